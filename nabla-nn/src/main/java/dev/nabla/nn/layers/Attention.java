package dev.nabla.nn.layers;

import dev.nabla.autograd.Graph;
import dev.nabla.nn.internal.AttentionKernel;
import dev.nabla.nn.internal.AttentionKernel.Dims;
import dev.nabla.nn.internal.AttentionKernel.Masks;
import dev.nabla.nn.internal.FlashAttention;
import dev.nabla.nn.internal.Operand;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Scaled dot-product attention as one differentiable op: softmax(Q·Kᵀ/√D + mask)·V with a fused forward and a
 * hand-written backward. Short contexts run {@link AttentionKernel}, which saves the attention probabilities
 * [N·H, L, S] for the backward; from L·S = 512² on, {@link FlashAttention} works one block of scores at a time and
 * saves only the row log-sum-exp [N·H, L] (the output is reused), recomputing the scores in the backward.
 * {@code -Dnabla.attention.kernel=flash|materialised} forces one (both give the same results to float rounding).
 *
 * <p>Masks follow PyTorch: an int64 tensor is a boolean mask (non-zero = true = this key is NOT attended, as a
 * {@code torch.bool} mask), a float32 tensor is added to the scores ({@code -inf} masks). Attention masks are
 * [L, S] (shared by all batches and heads) or [N·H, L, S] (also accepted as [N, H, L, S]); key-padding masks are
 * [N, S]. {@code causal} masks key j &gt; query i (top-left aligned, as {@code torch.triu(ones(L, S), 1)}). Masks get
 * no gradient. Dropout on the probabilities is applied whenever {@code dropoutP > 0} (pass 0 in evaluation), drawn
 * from {@code gen}.
 *
 * <p>Three entry points share the kernel: {@link #scaledDotProductAttention} on [N, H, L, D] tensors,
 * {@link #multiHead} on [N, L, E] projections split into heads in place, and {@link #packedSelfAttention} on one
 * packed [N, L, 3E] q|k|v projection (the self-attention hot path: no split, no transpose, no copy in either
 * direction; the gradient comes back as one packed [N, L, 3E] tensor).
 */
public final class Attention {
    private Attention() {}

    private static final float TWO_24 = 0x1.0p24f;

    /**
     * q [N, H, L, D], k [N, H, S, D], v [N, H, S, Dv] (any strides) → [N, H, L, Dv]; scale 1/√D.
     * {@code attnMask} may be null.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP,
                                                   boolean causal, Generator gen) {
        String op = "scaled_dot_product_attention";
        requireFloat(op, q, k, v);
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException(op + ": expected 4-D query [N, H, L, D], key [N, H, S, D] and value "
                    + "[N, H, S, Dv], got " + shapes(q, k, v));
        int n = q.size(0), h = q.size(1), l = q.size(2), d = q.size(3), s = k.size(2), dv = v.size(3);
        if (k.size(0) != n || v.size(0) != n || k.size(1) != h || v.size(1) != h || k.size(3) != d || v.size(2) != s)
            throw new IllegalArgumentException(op + ": query, key and value do not match (expected [N, H, L, D], "
                    + "[N, H, S, D], [N, H, S, Dv]), got " + shapes(q, k, v));
        Dims dm = dims(op, n, h, l, s, d, dv, causal);
        Masks masks = masks(op, attnMask, null, n, h, l, s);
        Operand oq = of4(q), ok = of4(k), ov = of4(v);
        Tensor out = run(op, dm, masks, dropoutP, gen, new Tensor[] {q, k, v}, oq, ok, ov, new int[] {n, l, h, dv},
                () -> {
                    Tensor gq = Tensor.zeros(q.shape()), gk = Tensor.zeros(k.shape()), gv = Tensor.zeros(v.shape());
                    return new Grads(new Tensor[] {gq, gk, gv}, of4(gq), of4(gk), of4(gv));
                });
        return out.transpose(1, 2);
    }

    /**
     * Multi-head attention on projected activations: q [N, L, E], k [N, S, E], v [N, S, Ev] (any strides, e.g. the
     * transposed view of a batch-second [L, N, E] tensor), each split into {@code numHeads} heads of E/numHeads
     * features; returns the heads' outputs concatenated, [N, L, Ev] (contiguous).
     */
    public static Tensor multiHead(Tensor q, Tensor k, Tensor v, int numHeads, Tensor attnMask, Tensor keyPaddingMask,
                                   boolean causal, double dropoutP, Generator gen) {
        String op = "multi_head_attention";
        requireFloat(op, q, k, v);
        if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3)
            throw new IllegalArgumentException(op + ": expected 3-D query [N, L, E], key [N, S, E] and value [N, S, Ev], got "
                    + shapes(q, k, v));
        int n = q.size(0), l = q.size(1), e = q.size(2), s = k.size(1), ev = v.size(2);
        if (k.size(0) != n || v.size(0) != n || k.size(2) != e || v.size(1) != s)
            throw new IllegalArgumentException(op + ": query, key and value do not match (expected [N, L, E], [N, S, E], "
                    + "[N, S, Ev]), got " + shapes(q, k, v));
        heads(op, numHeads, e, ev);
        int d = e / numHeads, dv = ev / numHeads;
        Dims dm = dims(op, n, numHeads, l, s, d, dv, causal);
        Masks masks = masks(op, attnMask, keyPaddingMask, n, numHeads, l, s);
        return run(op, dm, masks, dropoutP, gen, new Tensor[] {q, k, v}, of3(q, d, 0), of3(k, d, 0), of3(v, dv, 0),
                new int[] {n, l, ev}, () -> {
                    Tensor gq = Tensor.zeros(q.shape()), gk = Tensor.zeros(k.shape()), gv = Tensor.zeros(v.shape());
                    return new Grads(new Tensor[] {gq, gk, gv}, of3(gq, d, 0), of3(gk, d, 0), of3(gv, dv, 0));
                });
    }

    /**
     * Self-attention on a packed projection {@code qkv} [N, L, 3E] (q, k, v are its thirds along the last dim, as
     * produced by one Linear E → 3E; any strides) → [N, L, E] (contiguous).
     */
    public static Tensor packedSelfAttention(Tensor qkv, int numHeads, Tensor attnMask, Tensor keyPaddingMask,
                                             boolean causal, double dropoutP, Generator gen) {
        String op = "self_attention";
        requireFloat(op, qkv);
        if (qkv.rank() != 3 || qkv.size(2) % 3 != 0)
            throw new IllegalArgumentException(op + ": expected a packed projection [N, L, 3E], got " + Shape.str(qkv.shape()));
        int n = qkv.size(0), l = qkv.size(1), e = qkv.size(2) / 3;
        heads(op, numHeads, e, e);
        int d = e / numHeads;
        Dims dm = dims(op, n, numHeads, l, l, d, d, causal);
        Masks masks = masks(op, attnMask, keyPaddingMask, n, numHeads, l, l);
        return run(op, dm, masks, dropoutP, gen, new Tensor[] {qkv}, of3(qkv, d, 0), of3(qkv, d, e), of3(qkv, d, 2 * e),
                new int[] {n, l, e}, () -> {
                    Tensor g = Tensor.zeros(qkv.shape());
                    return new Grads(new Tensor[] {g}, of3(g, d, 0), of3(g, d, e), of3(g, d, 2 * e));
                });
    }

    // ---------------------------------------------------------------- shared machinery

    private record Grads(Tensor[] tensors, Operand dq, Operand dk, Operand dv) {}

    /** Which kernel runs: chosen by size ({@code AUTO}), or forced (tests compare the two). */
    enum Kernel { AUTO, FLASH, MATERIALISED }

    private static volatile Kernel kernel = Kernel.valueOf(
            System.getProperty("nabla.attention.kernel", "auto").toUpperCase(java.util.Locale.ROOT));

    /** Forces a kernel (tests); returns the previous choice. */
    static Kernel useKernel(Kernel k) {
        Kernel old = kernel;
        kernel = k;
        return old;
    }

    /**
     * Scores per (batch, head) from which the block-wise kernel runs under {@code AUTO}: L·S ≥ 512². Measured
     * (nabla-bench AttentionTable: causal packed self-attention, 4 heads of 32, N·L = 4096, fwd+bwd, 2 threads,
     * alternating runs on a loaded machine), materialised vs flash: L = 32 12 vs 19–32 ms; L = 64 13–15 vs 16–18;
     * L = 128 21–22 vs 22–28; L = 256 32–36 vs 43; L = 512 57–62 vs 46–53; L = 1024 (N = 2) 54 vs 42–50;
     * L = 2048 (N = 1) 168–193 vs 72–81, and 65 MiB vs 1 MiB kept for the backward. The gpt workload (L = 128) ran
     * 8,179–9,199 tokens/s materialised vs 7,933–9,623 flash over five alternating pairs (medians 8,936 vs 9,161):
     * no difference beyond the noise, so it stays on the materialised kernel.
     */
    static final long FLASH_MIN_SCORES = 512 * 512;

    static boolean flash(Dims dm) {
        return switch (kernel) {
            case FLASH -> true;
            case MATERIALISED -> false;
            case AUTO -> (long) dm.l() * dm.s() >= FLASH_MIN_SCORES;
        };
    }

    /**
     * Runs the forward into a contiguous [N, L, H, Dv] buffer (returned with {@code outShape}) and records the
     * backward, which fills freshly allocated gradient tensors through their operands. The block-wise kernel saves
     * the row log-sum-exp [N·H, L] (and reuses the output); the materialised one the probabilities [N·H, L, S].
     */
    private static Tensor run(String op, Dims dm, Masks masks, double dropoutP, Generator gen, Tensor[] inputs,
                              Operand q, Operand k, Operand v, int[] outShape, java.util.function.Supplier<Grads> grads) {
        if (!(dropoutP >= 0 && dropoutP <= 1))
            throw new IllegalArgumentException(op + ": dropout_p must be in [0, 1], got " + dropoutP);
        int pairs = dm.n() * dm.h();
        long pSize = (long) pairs * dm.l() * dm.s();
        boolean needed = Graph.needed(inputs), flash = flash(dm);
        byte[] keep = null;
        float dropScale = 1f;
        if (dropoutP > 0) {
            if (gen == null)
                throw new IllegalArgumentException(op + ": a Generator is required for attention dropout (dropout_p="
                        + dropoutP + ")");
            if (pSize > Integer.MAX_VALUE)
                throw new IllegalArgumentException(op + ": N*H*L*S = " + pSize + " attention weights exceed 2^31");
            keep = dropMask((int) pSize, (float) dropoutP, gen);
            dropScale = dropoutP == 1 ? 0f : (float) (1 / (1 - dropoutP));
        }
        if (needed && !flash && pSize > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": N*H*L*S = " + pSize + " attention weights exceed 2^31");
        float[] probs = needed && !flash ? Graph.buffer((int) pSize) : null;
        float[] lse = needed && flash ? Graph.buffer(pairs * dm.l()) : null;
        int hv = dm.h() * dm.dv();
        float[] out = Graph.buffer(dm.n() * dm.l() * hv);
        Operand o = new Operand(out, 0, dm.l() * hv, dm.dv(), hv, 1);
        if (flash) FlashAttention.forward(dm, q, k, v, o, masks, lse, keep, dropScale);
        else AttentionKernel.forward(dm, q, k, v, o, masks, probs, keep, dropScale);
        Tensor y = Tensor.of(out, outShape);
        if (!needed) return y;
        byte[] keepF = keep;
        float scaleF = dropScale;
        return Graph.record(op, y, g -> {
            Tensor gc = g.contiguous();
            Operand dO = new Operand(gc.data(), gc.offset(), dm.l() * hv, dm.dv(), hv, 1);
            Grads gr = grads.get();
            if (flash)
                FlashAttention.backward(dm, q, k, v, o, dO, masks, lse, keepF, scaleF, gr.dq(), gr.dk(), gr.dv());
            else AttentionKernel.backward(dm, q, k, v, dO, probs, keepF, scaleF, gr.dq(), gr.dk(), gr.dv());
            Tensor[] res = gr.tensors().clone();
            for (int i = 0; i < res.length; i++) if (!inputs[i].requiresGrad()) res[i] = null;
            return res;
        }, inputs);
    }

    /** One byte per attention weight, 1 = kept with probability 1-p (24-bit uniforms, two per 64-bit draw). */
    private static byte[] dropMask(int size, float p, Generator gen) {
        byte[] keep = new byte[size];
        int threshold = Math.round(p * TWO_24);
        int i = 0;
        for (; i + 1 < size; i += 2) {
            long r = gen.nextLong();
            if ((int) (r >>> 40) >= threshold) keep[i] = 1;
            if (((int) (r >>> 8) & 0xFFFFFF) >= threshold) keep[i + 1] = 1;
        }
        if (i < size && (int) (gen.nextLong() >>> 40) >= threshold) keep[i] = 1;
        return keep;
    }

    private static Dims dims(String op, int n, int h, int l, int s, int d, int dv, boolean causal) {
        if (n == 0 || l == 0 || s == 0 || d == 0 || dv == 0)
            throw new IllegalArgumentException(op + ": empty dims are not supported (N=" + n + ", L=" + l + ", S=" + s
                    + ", D=" + d + ", Dv=" + dv + ")");
        if ((long) n * h * l * Math.max(s, Math.max(d, dv)) > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": sizes too large (N=" + n + ", H=" + h + ", L=" + l + ", S=" + s + ")");
        return new Dims(n, h, l, s, d, dv, (float) (1 / Math.sqrt(d)), causal);
    }

    private static void heads(String op, int numHeads, int e, int ev) {
        if (numHeads <= 0)
            throw new IllegalArgumentException(op + ": num_heads must be positive, got " + numHeads);
        if (e % numHeads != 0 || ev % numHeads != 0)
            throw new IllegalArgumentException(op + ": embed_dim " + e + (ev != e ? " (value dim " + ev + ")" : "")
                    + " must be divisible by num_heads " + numHeads);
    }

    /** A [N, H, L, D] operand over a 4-D tensor's strides. */
    private static Operand of4(Tensor t) {
        int[] st = t.strides();
        return new Operand(t.data(), t.offset(), st[0], st[1], st[2], st[3]);
    }

    /** Heads of {@code d} features, starting at feature {@code from}, of a [N, L, F] tensor. */
    private static Operand of3(Tensor t, int d, int from) {
        int[] st = t.strides();
        return new Operand(t.data(), t.offset() + from * st[2], st[0], d * st[2], st[1], st[2]);
    }

    /**
     * The additive float masks for the kernel. Boolean (int64) masks become 0 / -inf; an all-zero float mask is
     * dropped.
     */
    static Masks masks(String op, Tensor attnMask, Tensor keyPaddingMask, int n, int h, int l, int s) {
        float[] mask = null, pad = null;
        boolean perHead = false;
        if (attnMask != null) {
            int[] ms = attnMask.shape();
            boolean shared = ms.length == 2 && ms[0] == l && ms[1] == s;
            perHead = (ms.length == 3 && ms[0] == n * h && ms[1] == l && ms[2] == s)
                    || (ms.length == 4 && ms[0] == n && ms[1] == h && ms[2] == l && ms[3] == s);
            if (!shared && !perHead)
                throw new IllegalArgumentException(op + ": attn_mask must have shape [L, S] = " + Shape.str(new int[] {l, s})
                        + " or [N*num_heads, L, S] = " + Shape.str(new int[] {n * h, l, s}) + ", got " + Shape.str(ms));
            mask = additive(attnMask);
        }
        if (keyPaddingMask != null) {
            if (!(keyPaddingMask.rank() == 2 && keyPaddingMask.size(0) == n && keyPaddingMask.size(1) == s))
                throw new IllegalArgumentException(op + ": key_padding_mask must have shape [N, S] = "
                        + Shape.str(new int[] {n, s}) + ", got " + Shape.str(keyPaddingMask.shape()));
            pad = additive(keyPaddingMask);
        }
        return new Masks(mask, perHead, pad);
    }

    /** Row-major additive values of a boolean (int64, non-zero = masked) or float mask. */
    private static float[] additive(Tensor m) {
        if (m.dtype() == DType.INT64) {
            long[] b = m.toLongArray();
            float[] out = new float[b.length];
            for (int i = 0; i < b.length; i++) if (b[i] != 0) out[i] = Float.NEGATIVE_INFINITY;
            return out;
        }
        return m.toFloatArray();
    }

    private static void requireFloat(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) throw new IllegalArgumentException(op + ": query, key and value must not be null");
            if (t.dtype() != DType.FLOAT32)
                throw new IllegalArgumentException(op + ": expected float32 inputs, got " + t.dtype() + " of shape "
                        + Shape.str(t.shape()));
        }
    }

    private static String shapes(Tensor q, Tensor k, Tensor v) {
        return Shape.str(q.shape()) + ", " + Shape.str(k.shape()) + ", " + Shape.str(v.shape());
    }
}
