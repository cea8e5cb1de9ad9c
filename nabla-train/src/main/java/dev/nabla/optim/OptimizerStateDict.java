package dev.nabla.optim;

import dev.nabla.io.Json;
import dev.nabla.io.SafeTensors;
import dev.nabla.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's state, split so a checkpoint can store it as a safetensors file: the per-parameter state
 * tensors under {@code "state.<index>.<name>"} (names as in PyTorch: {@code exp_avg}, {@code exp_avg_sq},
 * {@code max_exp_avg_sq}, {@code momentum_buffer}, {@code square_avg}, {@code grad_avg}, {@code sum}), and a
 * JSON-able map shaped like PyTorch's {@code state_dict()} without the tensors:
 * <pre>{"optimizer": "Adam",
 *  "state": {"0": {"step": 5}, "1": {"step": 4}},
 *  "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1]}]}</pre>
 * Parameter indices count through the groups in order, as PyTorch's. PyTorch keeps {@code step} as a
 * one-element tensor; here it is a JSON integer.
 *
 * @param tensors state tensors (copies, never views of the optimizer's live buffers)
 * @param json    everything else
 */
public record OptimizerStateDict(Map<String, Tensor> tensors, Map<String, Object> json) {
    /** The metadata key {@link #toSafeTensors()} stores the JSON part under. */
    public static final String METADATA_KEY = "nabla.optimizer";

    public OptimizerStateDict {
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        json = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(json));
    }

    /** The tensors plus the JSON part as one metadata entry, ready for {@link SafeTensors#write}. */
    public SafeTensors toSafeTensors() {
        return new SafeTensors(tensors, Map.of(METADATA_KEY, Json.write(json)));
    }

    /** The inverse of {@link #toSafeTensors()}. */
    @SuppressWarnings("unchecked")
    public static OptimizerStateDict fromSafeTensors(SafeTensors file) {
        String meta = file.metadata().get(METADATA_KEY);
        if (meta == null)
            throw new IllegalArgumentException("OptimizerStateDict: the file has no '" + METADATA_KEY
                    + "' metadata entry (metadata keys: " + file.metadata().keySet() + "); was it written by toSafeTensors()?");
        if (!(Json.parse(meta) instanceof Map<?, ?> m))
            throw new IllegalArgumentException("OptimizerStateDict: '" + METADATA_KEY + "' is not a JSON object");
        return new OptimizerStateDict(file.tensors(), (Map<String, Object>) m);
    }
}
