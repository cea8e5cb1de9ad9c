package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * PyTorch 1.13's {@code nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
 * activation="relu", layer_norm_eps=1e-5, batch_first=False, norm_first=False)}, with its submodule names:
 * {@code self_attn} ({@link MultiheadAttention}), {@code linear1}, {@code dropout}, {@code linear2}, {@code norm1},
 * {@code norm2}, {@code dropout1}, {@code dropout2}.
 *
 * <p>Post-norm (default): x = norm1(x + sa(x)); x = norm2(x + ff(x)). Pre-norm ({@code norm_first}):
 * x = x + sa(norm1(x)); x = x + ff(norm2(x)). sa(x) = dropout1(self_attn(x, x, x)), ff(x) =
 * dropout2(linear2(dropout(activation(linear1(x))))). Activation is "relu" or "gelu" (exact). All dropouts
 * (including attention dropout) draw from the Generator given to the constructor.
 */
public final class TransformerEncoderLayer extends Module {
    private final MultiheadAttention selfAttn;
    private final Linear linear1, linear2;
    private final Dropout dropout, dropout1, dropout2;
    private final LayerNorm norm1, norm2;
    private final boolean gelu, normFirst;

    /** Defaults: dim_feedforward 2048, dropout 0.1, relu, eps 1e-5, batch_first false, norm_first false. */
    public TransformerEncoderLayer(int dModel, int nhead, Generator gen) {
        this(dModel, nhead, 2048, 0.1f, "relu", 1e-5, false, false, gen);
    }

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, float dropout, String activation,
                                   double layerNormEps, boolean batchFirst, boolean normFirst, Generator gen) {
        Layers.positive("TransformerEncoderLayer", "d_model", dModel);
        Layers.positive("TransformerEncoderLayer", "nhead", nhead);
        Layers.positive("TransformerEncoderLayer", "dim_feedforward", dimFeedforward);
        Layers.generator("TransformerEncoderLayer", gen);
        this.gelu = switch (activation) {
            case "relu" -> false;
            case "gelu" -> true;
            case null, default -> throw new IllegalArgumentException(
                    "TransformerEncoderLayer: activation should be relu/gelu, not " + activation);
        };
        this.normFirst = normFirst;
        this.selfAttn = registerModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, gen));
        this.linear1 = registerModule("linear1", new Linear(dModel, dimFeedforward, gen));
        this.dropout = registerModule("dropout", new Dropout(dropout, gen));
        this.linear2 = registerModule("linear2", new Linear(dimFeedforward, dModel, gen));
        this.norm1 = registerModule("norm1", new LayerNorm(new int[] {dModel}, layerNormEps, true));
        this.norm2 = registerModule("norm2", new LayerNorm(new int[] {dModel}, layerNormEps, true));
        this.dropout1 = registerModule("dropout1", new Dropout(dropout, gen));
        this.dropout2 = registerModule("dropout2", new Dropout(dropout, gen));
    }

    public MultiheadAttention selfAttn() { return selfAttn; }

    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null, false);
    }

    /**
     * @param srcMask           [L, S] or [N·nhead, L, S] attention mask (int64 boolean or float additive), or null
     * @param srcKeyPaddingMask [N, S] key padding mask, or null
     * @param isCausal          adds the causal mask
     */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Tensor x = src;
        if (normFirst) {
            x = x.add(selfAttention(norm1.forward(x), srcMask, srcKeyPaddingMask, isCausal));
            x = x.add(feedForward(norm2.forward(x)));
        } else {
            x = norm1.forward(x.add(selfAttention(x, srcMask, srcKeyPaddingMask, isCausal)));
            x = norm2.forward(x.add(feedForward(x)));
        }
        return x;
    }

    private Tensor selfAttention(Tensor x, Tensor mask, Tensor padding, boolean causal) {
        return dropout1.forward(selfAttn.forward(x, x, x, padding, false, mask, true, causal).output());
    }

    private Tensor feedForward(Tensor x) {
        Tensor h = linear1.forward(x);
        h = gelu ? h.gelu() : h.relu();
        return dropout2.forward(linear2.forward(dropout.forward(h)));
    }

    @Override
    protected String extraRepr() {
        return "activation=" + (gelu ? "gelu" : "relu") + ", norm_first=" + py(normFirst);
    }
}
