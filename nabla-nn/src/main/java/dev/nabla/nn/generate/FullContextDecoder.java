package dev.nabla.nn.generate;

import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Tensor;

/**
 * Any model mapping int64 ids [B, T] to logits [B, T, vocab], decoded by re-running it on the whole context (the last
 * {@code maxContext} tokens when that is positive) at every step: O(context) passes per token, for models without a
 * cache or a recurrent state (e.g. a Sequential with TransformerEncoderLayers).
 */
public final class FullContextDecoder implements Decoder {
    private final Module model;
    private final int maxContext;
    private long[][] history;
    private int length, batch = -1;

    /** @param maxContext the longest context fed to the model, or 0 for no limit */
    public FullContextDecoder(Module model, int maxContext) {
        if (model == null) throw new IllegalArgumentException("FullContextDecoder: model is null");
        if (maxContext < 0) throw new IllegalArgumentException("FullContextDecoder: maxContext must be >= 0, got " + maxContext);
        this.model = model;
        this.maxContext = maxContext;
    }

    @Override
    public Tensor prefill(Tensor prompt) {
        batch = Steps.checkPrompt("FullContextDecoder", prompt);
        int t = prompt.size(1);
        long[] ids = prompt.contiguous().toLongArray();
        history = new long[batch][Math.max(16, 2 * t)];
        for (int n = 0; n < batch; n++) System.arraycopy(ids, n * t, history[n], 0, t);
        length = t;
        return run();
    }

    @Override
    public Tensor step(Tensor tokens) {
        if (batch < 0) throw new IllegalStateException("FullContextDecoder: call prefill before step");
        long[] next = Steps.checkStep("FullContextDecoder", tokens, batch);
        for (int n = 0; n < batch; n++) {
            if (length == history[n].length) history[n] = java.util.Arrays.copyOf(history[n], 2 * length);
            history[n][length] = next[n];
        }
        length++;
        return run();
    }

    private Tensor run() {
        int t = maxContext > 0 ? Math.min(length, maxContext) : length, from = length - t;
        long[] window = new long[batch * t];
        for (int n = 0; n < batch; n++) System.arraycopy(history[n], from, window, n * t, t);
        try (var ignored = NoGrad.enter()) {
            return Steps.last(model.forward(Tensor.ofLongs(window, batch, t)));
        }
    }
}
