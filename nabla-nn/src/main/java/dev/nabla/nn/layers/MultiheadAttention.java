package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.nn.internal.AttentionKernel.Masks;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * PyTorch 1.13's {@code nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, batch_first=False)} with
 * its parameters and state-dict names: {@code in_proj_weight} [3E, E] (q|k|v rows, xavier-uniform),
 * {@code in_proj_bias} [3E] (zeros), {@code out_proj.weight} [E, E] (Linear's default init) and {@code out_proj.bias}
 * (zeros). {@code kdim}/{@code vdim} ≠ embed_dim, {@code add_bias_kv} and {@code add_zero_attn} are not supported.
 *
 * <p>Inputs are [N, L, E] when {@code batch_first}, else [L, N, E]; unbatched [L, E] inputs are accepted too. The
 * masks follow {@link Attention}: {@code keyPaddingMask} [N, S], {@code attnMask} [L, S] or [N·num_heads, L, S];
 * an int64 mask is boolean (non-zero = not attended), a float mask is added to the scores. {@code isCausal} adds the
 * causal mask (key j &gt; query i) without building it.
 *
 * <p>Without {@code needWeights} attention runs as one fused op (for self-attention, when query, key and value are
 * the same tensor, on the single packed q|k|v projection). With {@code needWeights} it is composed of differentiable
 * ops so that the returned weights (after dropout, averaged over heads unless asked otherwise, as PyTorch returns
 * them) can be used in a loss. Attention dropout is active in training mode and draws from the Generator given to
 * the constructor (or {@link #setGenerator}).
 */
public final class MultiheadAttention extends Module {
    private final int embedDim, numHeads;
    private final float dropout;
    private final boolean batchFirst;
    private final Tensor inProjWeight, inProjBias;
    private final Linear outProj;
    private Generator generator;

    /** The attention output and (when asked for) the attention weights, else null. */
    public record Output(Tensor output, Tensor weights) {}

    public MultiheadAttention(int embedDim, int numHeads, Generator gen) {
        this(embedDim, numHeads, 0f, true, false, gen);
    }

    public MultiheadAttention(int embedDim, int numHeads, float dropout, boolean bias, boolean batchFirst, Generator gen) {
        Layers.positive("MultiheadAttention", "embed_dim", embedDim);
        Layers.positive("MultiheadAttention", "num_heads", numHeads);
        if (embedDim % numHeads != 0)
            throw new IllegalArgumentException("MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim="
                    + embedDim + ", num_heads=" + numHeads);
        if (!(dropout >= 0 && dropout <= 1))
            throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1], got " + dropout);
        Layers.generator("MultiheadAttention", gen);
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        this.generator = gen;
        this.inProjWeight = registerParameter("in_proj_weight", Tensor.zeros(3 * embedDim, embedDim));
        this.inProjBias = registerParameter("in_proj_bias", bias ? Tensor.zeros(3 * embedDim) : null);
        this.outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias, gen));
        Init.xavierUniform_(inProjWeight, 1.0, gen);
        if (bias) Init.zeros_(outProj.bias());
    }

    public Tensor inProjWeight() { return inProjWeight; }

    /** The packed q|k|v bias, or null without bias. */
    public Tensor inProjBias() { return inProjBias; }

    public Linear outProj() { return outProj; }

    public int embedDim() { return embedDim; }

    public int numHeads() { return numHeads; }

    public boolean batchFirst() { return batchFirst; }

    /** Sets the Generator attention dropout draws from; returns this. */
    public MultiheadAttention setGenerator(Generator gen) {
        this.generator = gen;
        return this;
    }

    /** Self-attention without masks: the output only. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, input, input, null, false, null, true, false).output();
    }

    /** {@code forward(x)} (self-attention) or {@code forward(query, key, value)}: the output only. */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length == 1) return forward(inputs[0]);
        if (inputs.length != 3)
            throw new IllegalArgumentException("MultiheadAttention: takes 1 (self-attention) or 3 (query, key, value) inputs, got "
                    + inputs.length);
        return forward(inputs[0], inputs[1], inputs[2], null, false, null, true, false).output();
    }

    /** PyTorch's {@code forward(query, key, value, key_padding_mask, need_weights, attn_mask)}, weights averaged. */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights, Tensor attnMask) {
        return forward(query, key, value, keyPaddingMask, needWeights, attnMask, true, false);
    }

    /**
     * The full forward. Masks may be null; {@code isCausal} adds the causal mask to {@code attnMask}.
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, boolean needWeights,
                          Tensor attnMask, boolean averageAttnWeights, boolean isCausal) {
        String op = "MultiheadAttention";
        if (query == null || key == null || value == null)
            throw new IllegalArgumentException(op + ": query, key and value must not be null");
        int r = query.rank();
        if ((r != 2 && r != 3) || key.rank() != r || value.rank() != r)
            throw new IllegalArgumentException(op + ": expected query, key and value of the same rank, 3-D ("
                    + (batchFirst ? "[N, L, E]" : "[L, N, E]") + ") or 2-D unbatched [L, E], got " + Shape.str(query.shape())
                    + ", " + Shape.str(key.shape()) + ", " + Shape.str(value.shape()));
        for (Tensor t : new Tensor[] {query, key, value})
            if (t.size(-1) != embedDim)
                throw new IllegalArgumentException(op + ": expected embed_dim=" + embedDim + " features in the last dim, "
                        + "got query " + Shape.str(query.shape()) + ", key " + Shape.str(key.shape()) + ", value "
                        + Shape.str(value.shape()));
        boolean unbatched = r == 2;
        boolean seqFirst = !unbatched && !batchFirst;
        int bDim = seqFirst ? 1 : 0, sDim = seqFirst ? 0 : 1;
        if (!unbatched && (key.size(bDim) != query.size(bDim) || value.size(bDim) != query.size(bDim)))
            throw new IllegalArgumentException(op + ": query, key and value must have the same batch size, got "
                    + Shape.str(query.shape()) + ", " + Shape.str(key.shape()) + ", " + Shape.str(value.shape()));
        if (!unbatched && key.size(sDim) != value.size(sDim) || unbatched && key.size(0) != value.size(0))
            throw new IllegalArgumentException(op + ": key and value must have the same sequence length, got "
                    + Shape.str(key.shape()) + " and " + Shape.str(value.shape()));
        if (unbatched && keyPaddingMask != null) {
            if (keyPaddingMask.rank() != 1)
                throw new IllegalArgumentException(op + ": for unbatched input key_padding_mask must be 1-D [S], got "
                        + Shape.str(keyPaddingMask.shape()));
            keyPaddingMask = keyPaddingMask.unsqueeze(0);
        }

        float p = isTraining() ? dropout : 0f;
        boolean self = query == key && key == value;
        Tensor q3 = null, k3 = null, v3 = null, qkv = null;
        if (self) {
            qkv = toBatchFirst(Functional.linear(query, inProjWeight, inProjBias), unbatched, seqFirst);
            if (needWeights) {
                q3 = qkv.narrow(2, 0, embedDim);
                k3 = qkv.narrow(2, embedDim, embedDim);
                v3 = qkv.narrow(2, 2 * embedDim, embedDim);
            }
        } else {
            q3 = toBatchFirst(project(query, 0), unbatched, seqFirst);
            k3 = toBatchFirst(project(key, 1), unbatched, seqFirst);
            v3 = toBatchFirst(project(value, 2), unbatched, seqFirst);
        }
        Tensor attended, weights = null;
        if (!needWeights) {
            attended = self ? Attention.packedSelfAttention(qkv, numHeads, attnMask, keyPaddingMask, isCausal, p, generator)
                    : Attention.multiHead(q3, k3, v3, numHeads, attnMask, keyPaddingMask, isCausal, p, generator);
        } else {
            Tensor[] res = composed(q3, k3, v3, attnMask, keyPaddingMask, isCausal, p);
            attended = res[0];
            weights = averageAttnWeights ? res[1].mean(1) : res[1];
            if (unbatched) weights = weights.squeeze(0);
        }
        Tensor out = outProj.forward(attended);
        if (unbatched) out = out.squeeze(0);
        else if (seqFirst) out = out.transpose(0, 1);
        return new Output(out, weights);
    }

    /** Row block {@code which} (0 = q, 1 = k, 2 = v) of the packed projection applied to x. */
    private Tensor project(Tensor x, int which) {
        Tensor w = inProjWeight.narrow(0, which * embedDim, embedDim);
        Tensor b = inProjBias == null ? null : inProjBias.narrow(0, which * embedDim, embedDim);
        return Functional.linear(x, w, b);
    }

    private static Tensor toBatchFirst(Tensor t, boolean unbatched, boolean seqFirst) {
        if (unbatched) return t.unsqueeze(0);
        return seqFirst ? t.transpose(0, 1) : t;
    }

    /** Attention from differentiable ops: {output [N, L, E], weights [N, H, L, S]}. */
    private Tensor[] composed(Tensor q3, Tensor k3, Tensor v3, Tensor attnMask, Tensor keyPaddingMask, boolean causal,
                              float p) {
        int n = q3.size(0), l = q3.size(1), s = k3.size(1), h = numHeads, d = embedDim / h;
        Masks m = Attention.masks("MultiheadAttention", attnMask, keyPaddingMask, n, h, l, s);
        Tensor q = q3.reshape(n, l, h, d).transpose(1, 2), k = k3.reshape(n, s, h, d).transpose(1, 2),
                v = v3.reshape(n, s, h, d).transpose(1, 2);
        Tensor scores = q.matmul(k.transpose(-1, -2)).mul((float) (1 / Math.sqrt(d)));
        if (m.mask() != null || m.pad() != null || causal) {
            float[] add = new float[n * h * l * s];
            for (int b = 0; b < n; b++)
                for (int hh = 0; hh < h; hh++)
                    for (int i = 0; i < l; i++) {
                        int row = ((b * h + hh) * l + i) * s;
                        for (int j = 0; j < s; j++) {
                            float x = 0f;
                            if (m.mask() != null) x += m.mask()[(m.perHead() ? (b * h + hh) * l * s : 0) + i * s + j];
                            if (m.pad() != null) x += m.pad()[b * s + j];
                            if (causal && j > i) x = Float.NEGATIVE_INFINITY;
                            add[row + j] = x;
                        }
                    }
            scores = scores.add(Tensor.of(add, n, h, l, s));
        }
        Tensor probs = scores.softmax(-1);
        if (p > 0) {
            if (generator == null)
                throw new IllegalStateException("MultiheadAttention: no Generator for attention dropout; call setGenerator");
            probs = Functional.dropout(probs, p, true, generator);
        }
        Tensor out = probs.matmul(v).transpose(1, 2).reshape(n, l, embedDim);
        return new Tensor[] {out, probs};
    }

    @Override
    protected String extraRepr() {
        return "embed_dim=" + embedDim + ", num_heads=" + numHeads + ", dropout=" + py(dropout) + ", batch_first="
                + py(batchFirst);
    }
}
