package dev.nabla.nn.generate;

import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.GELU;
import dev.nabla.nn.layers.Identity;
import dev.nabla.nn.layers.LayerNorm;
import dev.nabla.nn.layers.LeakyReLU;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.RNNBase;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.RnnOutput;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.layers.Sigmoid;
import dev.nabla.nn.layers.Tanh;
import dev.nabla.tensor.Tensor;

import java.util.List;

/**
 * A recurrent language model in a {@link Sequential} (e.g. Embedding → LSTM → Linear) decoded step by step: the
 * recurrent layers' final hidden (and cell) states are kept and fed back as the initial states of the next step, so a
 * token costs O(1) in the context length, and the logits equal those of a forward over the whole sequence.
 *
 * <p>Every layer must act on each position on its own (Embedding, Linear, Dropout, LayerNorm, the activations,
 * Identity) or be an RNN / LSTM / GRU with {@code batch_first=True} (input [B, T, features]) that is not
 * bidirectional (a backward direction needs the future). The model maps int64 ids [B, T] to logits [B, T, vocab].
 */
public final class RecurrentDecoder implements Decoder {
    private static final List<Class<? extends Module>> POSITIONWISE = List.of(Embedding.class, Linear.class, Dropout.class,
            LayerNorm.class, ReLU.class, GELU.class, Tanh.class, Sigmoid.class, LeakyReLU.class, Identity.class);

    private final List<Module> layers;
    private final Tensor[] h, c;
    private int batch = -1;

    public RecurrentDecoder(Sequential model) {
        String why = unsupported(model);
        if (why != null) throw new IllegalArgumentException("RecurrentDecoder: " + why);
        this.layers = model.children();
        this.h = new Tensor[layers.size()];
        this.c = new Tensor[layers.size()];
    }

    /** Whether {@code model} can be decoded step by step (see the class comment). */
    public static boolean supports(Sequential model) {
        return unsupported(model) == null;
    }

    private static String unsupported(Sequential model) {
        if (model == null) return "model is null";
        boolean recurrent = false;
        List<Module> ls = model.children();
        for (int i = 0; i < ls.size(); i++) {
            Module m = ls.get(i);
            if (m instanceof RNNBase r) {
                if (!r.batchFirst())
                    return "layer " + i + " (" + r.name() + ") must have batch_first=True to read token sequences [B, T, features]";
                if (r.bidirectional()) return "layer " + i + " (" + r.name() + ") is bidirectional: it cannot be decoded step by step";
                recurrent = true;
            } else if (POSITIONWISE.stream().noneMatch(k -> k.isInstance(m))) {
                return "layer " + i + " (" + m.name() + ") is not known to act on each position on its own";
            }
        }
        return recurrent ? null : "the model has no RNN, LSTM or GRU layer";
    }

    @Override
    public Tensor prefill(Tensor prompt) {
        batch = Steps.checkPrompt("RecurrentDecoder", prompt);
        java.util.Arrays.fill(h, null);
        java.util.Arrays.fill(c, null);
        return run(prompt);
    }

    @Override
    public Tensor step(Tensor tokens) {
        if (batch < 0) throw new IllegalStateException("RecurrentDecoder: call prefill before step");
        long[] ids = Steps.checkStep("RecurrentDecoder", tokens, batch);
        return run(Tensor.ofLongs(ids, batch, 1));
    }

    private Tensor run(Tensor x) {
        try (var ignored = NoGrad.enter()) {
            for (int i = 0; i < layers.size(); i++) {
                if (layers.get(i) instanceof RNNBase r) {
                    RnnOutput o = r.forward(x, h[i], c[i]);
                    x = o.output();
                    h[i] = o.h();
                    c[i] = o.c();
                } else {
                    x = layers.get(i).forward(x);
                }
            }
            return Steps.last(x);
        }
    }
}
