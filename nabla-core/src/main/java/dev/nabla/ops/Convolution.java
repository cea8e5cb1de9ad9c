package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.ConvSmallK;
import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Im2col;
import dev.nabla.kernel.Parallel;
import dev.nabla.kernel.PlaneSums;
import dev.nabla.kernel.Pointwise;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The fused linear layer op and 2-D convolution, each as GEMMs that read their operands through
 * strides (transposes are never copied).
 *
 * <p>Pair arguments ({@code stride}, {@code padding}, {@code dilation}) are {@code int[]} of length 2
 * (height, width) or of length 1 (the same value for both), as PyTorch's {@code _pair}.
 */
public final class Convolution {
    private Convolution() {}

    // ------------------------------------------------------------------ linear

    /**
     * y = x·Wᵀ + b for {@code input} [..., in], {@code weight} [out, in] and {@code bias} [out] or null:
     * one GEMM with Wᵀ read through strides, the bias pre-filled into the output that the GEMM adds to.
     * Gradients: dX = g·W, dW = gᵀ·x, db = 1ᵀ·g, one GEMM each.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        LinearProduct p = linearProduct("linear", input, weight, bias);
        return Graph.record("linear", p.result(), g -> linearBackward(g, p, weight, bias, null), p.x(), weight, bias);
    }

    /**
     * The forward product of a linear layer and what its backward needs: {@code x} is the input as the
     * product read it (made contiguous when its leading dims could not be walked with one stride), read as
     * the matrix [rows, in] through the strides {@code xm}.
     */
    record LinearProduct(Tensor result, Tensor x, int[] xm, int rows, int in, int out) {}

    /** Checks the operands and computes x·Wᵀ + b without recording anything. */
    static LinearProduct linearProduct(String op, Tensor input, Tensor weight, Tensor bias) {
        if (input == null || weight == null) throw new IllegalArgumentException(op + ": input and weight must not be null");
        Elementwise.requireFloat(op, input, weight);
        if (bias != null) Elementwise.requireFloat(op, bias);
        int[] ws = weight.shape(), xs = input.shape();
        if (ws.length != 2)
            throw new IllegalArgumentException(op + ": weight must be 2-D [out_features, in_features], got " + Shape.str(ws));
        if (xs.length == 0)
            throw new IllegalArgumentException(op + ": input must have at least 1 dim [..., in_features], got a 0-d tensor");
        int out = ws[0], in = ws[1];
        if (xs[xs.length - 1] != in)
            throw new IllegalArgumentException(op + ": input " + Shape.str(xs) + " has " + xs[xs.length - 1]
                    + " features in its last dim, but weight " + Shape.str(ws) + " expects in_features = " + in);
        if (bias != null && !(bias.rank() == 1 && bias.size(0) == out))
            throw new IllegalArgumentException(op + ": bias must have shape [" + out + "] to match weight "
                    + Shape.str(ws) + ", got " + Shape.str(bias.shape()));

        int[] xm = matrixStrides(input);
        Tensor x = input;
        if (xm == null) { x = input.contiguous(); xm = new int[] {in, 1}; }
        int rows = in == 0 ? Shape.numel(Arrays.copyOf(xs, xs.length - 1)) : x.numel() / in;
        int[] wst = weight.strides();
        float[] y = Graph.buffer(rows * out);
        if (bias != null) fillRows(y, rows, out, bias);
        // B[p][j] = W[j][p]: Wᵀ through strides.
        Gemm.sgemm(rows, out, in, x.data(), x.offset(), xm[0], xm[1],
                weight.data(), weight.offset(), wst[1], wst[0], y, 0, out, bias != null);
        int[] ys = xs.clone();
        ys[ys.length - 1] = out;
        return new LinearProduct(Tensor.of(y, ys), x, xm, rows, in, out);
    }

    /**
     * dX = g·W, dW = gᵀ·x (one GEMM each) and db = the column sums of g, or {@code db} when the caller already
     * summed them (a fused activation's backward sums them in the pass that makes g).
     */
    static Tensor[] linearBackward(Tensor g, LinearProduct p, Tensor weight, Tensor bias, float[] db) {
        int rows = p.rows(), in = p.in(), out = p.out();
        Tensor x = p.x();
        int[] xm = p.xm();
        int[] gm = matrixStrides(g);
        if (gm == null) { g = g.contiguous(); gm = new int[] {out, 1}; }
        int[] wst = weight.strides();
        Tensor dx = null, dw = null, dbT = null;
        if (x.requiresGrad()) { // dX [rows, in] = g [rows, out] · W [out, in]
            float[] d = Graph.buffer(rows * in);
            Gemm.sgemm(rows, in, out, g.data(), g.offset(), gm[0], gm[1],
                    weight.data(), weight.offset(), wst[0], wst[1], d, 0, in, false);
            dx = Tensor.of(d, x.shape());
        }
        if (weight.requiresGrad()) { // dW [out, in] = gᵀ [out, rows] · x [rows, in]
            float[] d = Graph.buffer(out * in);
            Gemm.sgemm(out, in, rows, g.data(), g.offset(), gm[1], gm[0],
                    x.data(), x.offset(), xm[0], xm[1], d, 0, in, false);
            dw = Tensor.of(d, out, in);
        }
        if (bias != null && bias.requiresGrad()) {
            if (db == null) {
                db = Graph.buffer(out);
                columnSums(g.data(), g.offset(), gm[0], gm[1], rows, out, db);
            }
            dbT = Tensor.of(db, out);
        }
        return new Tensor[] {dx, dw, dbT};
    }

    /**
     * sums[j] = Σ_r m[off + r·rs + j·cs] over r in [0, rows): a bias gradient. A direct pass instead of the
     * 1×rows·rows×out GEMM it used to be, which packed all of g first (g is 8 MB for GPT's c_fc: the bias
     * gradients were 7% of the linear layers' backward).
     */
    static void columnSums(float[] m, int off, int rs, int cs, int rows, int cols, float[] sums) {
        if (cs != 1) {
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j++) sums[j] += m[off + r * rs + j * cs];
            return;
        }
        // Blocks of columns over the pool; each block keeps its running sums in one short array (L1).
        int block = Math.max(COL_BLOCK, (cols + Parallel.threads() - 1) / Parallel.threads());
        int blocks = (cols + block - 1) / block;
        int grain = rows * cols >= COLSUM_PARALLEL ? 1 : blocks;
        Parallel.forRange(blocks, grain, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                int c0 = b * block, c1 = Math.min(cols, c0 + block);
                for (int r = 0; r < rows; r++) addTo(m, off + r * rs + c0, sums, c0, c1 - c0);
            }
        });
    }

    /** Column blocks are at least this wide (and there are at most as many blocks as threads). */
    private static final int COL_BLOCK = 64;
    /** Below this many elements column sums stay on the caller's thread. */
    private static final int COLSUM_PARALLEL = 1 << 15;

    /** dst[d + j] += src[s + j] for j in [0, n). */
    static void addTo(float[] src, int s, float[] dst, int d, int n) {
        int j = 0;
        for (int upper = F.loopBound(n); j < upper; j += F.length())
            FloatVector.fromArray(F, dst, d + j).add(FloatVector.fromArray(F, src, s + j)).intoArray(dst, d + j);
        for (; j < n; j++) dst[d + j] += src[s + j];
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * {row stride, column stride} that read {@code t} [..., n] as a matrix [rows, n], or null when its
     * leading dims cannot be walked with a single stride (then the caller makes it contiguous).
     */
    static int[] matrixStrides(Tensor t) {
        int[] s = t.shape(), st = t.strides();
        int r = s.length;
        int rowStride = 0;
        long expect = -1;
        for (int i = r - 2; i >= 0; i--) {
            if (s[i] == 1) continue;
            if (expect >= 0 && st[i] != expect) return null;
            if (expect < 0) rowStride = st[i];
            expect = (long) st[i] * s[i];
        }
        return new int[] {rowStride, st[r - 1]};
    }

    /** Writes the bias into every row of a [rows, n] buffer. */
    private static void fillRows(float[] y, int rows, int n, Tensor bias) {
        float[] b = bias.toFloatArray();
        for (int r = 0; r < rows; r++) System.arraycopy(b, 0, y, r * n, n);
    }

    // ------------------------------------------------------------------ conv2d

    /**
     * 2-D cross-correlation of {@code input} [N, C, H, W] (or unbatched [C, H, W]) with {@code weight}
     * [O, C/groups, kH, kW], plus {@code bias} [O] when not null; output [N, O, outH, outW] with
     * out = (in + 2·padding − dilation·(k − 1) − 1) / stride + 1, as PyTorch's {@code conv2d}.
     *
     * <p>Computed per image and group as W_g·im2col(x) (a 1x1 kernel with stride 1 and no padding reads
     * the image itself), in parallel over the batch with one column buffer per thread.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv2d(input, weight, bias, stride, padding, dilation, groups, false);
    }

    /**
     * relu(conv2d(...)) as one op, for a Conv2d followed by a ReLU: the same values and gradients as the two
     * ops, but the ReLU overwrites the convolution's fresh output instead of allocating its own, and its backward
     * masks the incoming gradient (in place when nobody else sees it) on the way into the convolution's. On the
     * cnn workload the two ReLUs were a third of the bytes a step allocated.
     */
    public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv2d(input, weight, bias, stride, padding, dilation, groups, true);
    }

    private static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                 int groups, boolean relu) {
        String op = relu ? "conv2d_relu" : "conv2d";
        if (input == null || weight == null) throw new IllegalArgumentException(op + ": input and weight must not be null");
        Elementwise.requireFloat(op, input, weight);
        if (bias != null) Elementwise.requireFloat(op, bias);
        if (input.rank() == 3) {
            return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups, relu).squeeze(0);
        }
        int[] xs = input.shape(), ws = weight.shape();
        if (xs.length != 4)
            throw new IllegalArgumentException("conv2d: expected input [N, C, H, W] (or unbatched [C, H, W]), got "
                    + Shape.str(xs));
        if (ws.length != 4)
            throw new IllegalArgumentException("conv2d: expected weight [out_channels, in_channels/groups, kH, kW], got "
                    + Shape.str(ws));
        int[] st = pair("conv2d", "stride", stride), pad = pair("conv2d", "padding", padding),
                dil = pair("conv2d", "dilation", dilation);
        if (st[0] < 1 || st[1] < 1)
            throw new IllegalArgumentException("conv2d: stride must be positive, got " + Shape.str(st));
        if (dil[0] < 1 || dil[1] < 1)
            throw new IllegalArgumentException("conv2d: dilation must be positive, got " + Shape.str(dil));
        if (pad[0] < 0 || pad[1] < 0)
            throw new IllegalArgumentException("conv2d: padding must be non-negative, got " + Shape.str(pad));
        if (groups < 1) throw new IllegalArgumentException("conv2d: groups must be positive, got " + groups);
        int N = xs[0], C = xs[1], H = xs[2], W = xs[3], O = ws[0], kH = ws[2], kW = ws[3];
        if (C % groups != 0)
            throw new IllegalArgumentException("conv2d: input " + Shape.str(xs) + " has " + C
                    + " channels, which is not divisible by groups=" + groups);
        if (O % groups != 0)
            throw new IllegalArgumentException("conv2d: weight " + Shape.str(ws) + " has " + O
                    + " out_channels, which is not divisible by groups=" + groups);
        int Cg = C / groups, Og = O / groups;
        if (ws[1] != Cg)
            throw new IllegalArgumentException("conv2d: weight " + Shape.str(ws) + " expects " + ws[1]
                    + " input channels per group, but input " + Shape.str(xs) + " with groups=" + groups + " has "
                    + Cg + " (" + C + " channels)");
        if (kH < 1 || kW < 1)
            throw new IllegalArgumentException("conv2d: weight " + Shape.str(ws) + " has an empty kernel");
        if (bias != null && !(bias.rank() == 1 && bias.size(0) == O))
            throw new IllegalArgumentException("conv2d: bias must have shape [" + O + "] to match weight "
                    + Shape.str(ws) + ", got " + Shape.str(bias.shape()));
        long oh = ((long) H + 2L * pad[0] - (long) dil[0] * (kH - 1) - 1) / st[0] + 1;
        long ow = ((long) W + 2L * pad[1] - (long) dil[1] * (kW - 1) - 1) / st[1] + 1;
        if (H + 2L * pad[0] < (long) dil[0] * (kH - 1) + 1 || W + 2L * pad[1] < (long) dil[1] * (kW - 1) + 1 || oh < 1 || ow < 1)
            throw new IllegalArgumentException("conv2d: input " + Shape.str(xs) + " padded by " + Shape.str(pad)
                    + " is smaller than the kernel " + kH + "x" + kW + " dilated by " + Shape.str(dil)
                    + " (weight " + Shape.str(ws) + "); the output would be empty");
        int OH = (int) oh, OW = (int) ow;
        Shape.numel(new int[] {N, O, OH, OW}); // overflow check
        Im2col.Geometry geo = new Im2col.Geometry(Cg, H, W, kH, kW, st[0], st[1], pad[0], pad[1], dil[0], dil[1], OH, OW);

        Tensor wc = weight.contiguous();
        ConvPlan plan = new ConvPlan(input, wc, geo, N, C, O, groups);
        float[] y = Graph.buffer(N * O * OH * OW);
        float[] b = bias == null ? null : bias.toFloatArray();
        plan.forward(b, y);
        Tensor result = Tensor.of(y, N, O, OH, OW);
        if (!relu) return Graph.record(op, result, g -> plan.backward(g, bias), input, wc, bias);
        Pointwise.unary(Pointwise.Unary.RELU, 0, 0, y, 0, y, 0, y.length); // y is ours: overwrite it
        return Graph.record(op, result, g -> {
            Tensor gc = g.contiguous();
            boolean reuse = gc == g && Graph.disposable(g) && g.offset() == 0 && g.data().length == y.length;
            float[] dz = reuse ? g.data() : Graph.buffer(y.length);
            FusedLinear.activationBackward(FusedLinear.Activation.RELU, y, gc.data(), gc.offset(), dz, null, N * O, OH * OW);
            return plan.backward(Tensor.of(dz, N, O, OH, OW), bias);
        }, input, wc, bias);
    }

    /** Normalises a pair argument: length 2 as is, length 1 repeated. */
    static int[] pair(String op, String name, int[] v) {
        if (v == null) throw new IllegalArgumentException(op + ": " + name + " must not be null");
        if (v.length == 1) return new int[] {v[0], v[0]};
        if (v.length == 2) return v.clone();
        throw new IllegalArgumentException(op + ": " + name + " must have 1 or 2 values (height, width), got "
                + Shape.str(v));
    }

    /**
     * Chunks of a convolution's loop over the batch (N/8 images each), taken by the caller and the workers one
     * at a time. The weight gradient is summed per chunk and the chunks added in order, so it has the same bits
     * on any number of threads; a thread slowed for a while can also leave chunks to the other, though on the
     * cnn workload this measured within noise of fixed halves.
     */
    static final int IMAGE_CHUNKS = 8;

    /**
     * Per-thread columns for im2col (slot 0) and their gradient (slot 1), reused from image to image and
     * call to call: im2col and a GEMM that overwrites write every element, so they need no zeroing.
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int slot, int size) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < size) s[slot] = new float[size];
        return s[slot];
    }

    /** Everything the forward and backward of one conv2d call share. */
    private static final class ConvPlan {
        final Tensor input, weight;
        final Im2col.Geometry geo;
        final int N, C, O, groups, Cg, Og, K, L;
        final int xOff, sN, sC, sH, sW;
        /** Stride of the merged H·W axis when a 1x1 kernel reads the image directly; -1 when im2col is needed. */
        final int direct;
        /** The column matrix goes through {@link ConvSmallK} rather than the GEMM (tiny K, e.g. a 1-channel 3x3). */
        final boolean smallK;

        ConvPlan(Tensor input, Tensor weight, Im2col.Geometry geo, int N, int C, int O, int groups) {
            this.input = input;
            this.weight = weight;
            this.geo = geo;
            this.N = N;
            this.C = C;
            this.O = O;
            this.groups = groups;
            this.Cg = C / groups;
            this.Og = O / groups;
            this.K = geo.rows();
            this.L = geo.cols();
            int[] s = input.strides();
            xOff = input.offset();
            sN = s[0];
            sC = s[1];
            sH = s[2];
            sW = s[3];
            boolean pointwise = geo.kernelH() == 1 && geo.kernelW() == 1 && geo.strideH() == 1 && geo.strideW() == 1
                    && geo.padH() == 0 && geo.padW() == 0;
            direct = pointwise ? mergedStride(geo.height(), sH, geo.width(), sW) : -1;
            smallK = direct < 0 && K <= ConvSmallK.MAX_K && ConvSmallK.AVAILABLE;
        }

        /** The stride that walks [H, W] as one axis of H·W, or -1 when there is none. */
        private static int mergedStride(int H, int sH, int W, int sW) {
            if (W == 1) return sH >= 0 ? sH : -1;
            if (H == 1 || sH == W * sW) return sW >= 0 ? sW : -1;
            return -1;
        }

        int imageOffset(int n, int group) {
            return xOff + n * sN + group * Cg * sC;
        }

        void forward(float[] bias, float[] y) {
            float[] x = input.data(), w = weight.data();
            int wOff = weight.offset();
            Parallel.forChunks(N, IMAGE_CHUNKS, (from, to) -> {
                float[] col = direct >= 0 ? null : scratch(0, K * L);
                for (int n = from; n < to; n++) {
                    if (smallK) { // writes every output element, bias included
                        for (int gi = 0; gi < groups; gi++) {
                            Im2col.im2col(x, imageOffset(n, gi), sC, sH, sW, geo, col);
                            ConvSmallK.forward(w, wOff + gi * Og * K, Og, K, col, L, bias, gi * Og, y, (n * O + gi * Og) * L);
                        }
                        continue;
                    }
                    if (bias != null)
                        for (int o = 0; o < O; o++) Arrays.fill(y, (n * O + o) * L, (n * O + o + 1) * L, bias[o]);
                    for (int gi = 0; gi < groups; gi++) {
                        int cOff = (n * O + gi * Og) * L;
                        if (direct >= 0) {
                            Gemm.sgemm(Og, L, K, w, wOff + gi * Og * K, K, 1,
                                    x, imageOffset(n, gi), sC, direct, y, cOff, L, bias != null);
                        } else {
                            Im2col.im2col(x, imageOffset(n, gi), sC, sH, sW, geo, col);
                            Gemm.sgemm(Og, L, K, w, wOff + gi * Og * K, K, 1, col, 0, L, 1, y, cOff, L, bias != null);
                        }
                    }
                }
            });
        }

        Tensor[] backward(Tensor gradOut, Tensor bias) {
            Tensor gc = gradOut.contiguous();
            float[] g = gc.data();
            int gOff = gc.offset();
            boolean needX = input.requiresGrad(), needW = weight.requiresGrad();
            boolean needB = bias != null && bias.requiresGrad();
            float[] x = input.data(), w = weight.data();
            int wOff = weight.offset();
            float[] dx = needX ? Graph.buffer(N * C * geo.height() * geo.width()) : null;
            float[] dw = needW ? Graph.buffer(O * K) : null;
            int HW = geo.height() * geo.width();
            // The small-K path sums the bias gradient in its weight-gradient pass over g.
            boolean dbWithW = smallK && needW && needB;
            double[] dbSum = dbWithW ? new double[O] : null;
            if (needX || needW) {
                // Chunks of images claimed by whichever thread is free; each chunk sums its images' weight
                // gradients into its own buffer, and the chunks' sums are added in chunk order afterwards, so
                // the bits do not depend on which thread ran which chunk.
                int chunks = Math.min(N, IMAGE_CHUNKS);
                float[][] dwParts = new float[chunks][];
                double[][] dbParts = new double[chunks][];
                Parallel.forChunks(chunks, chunks, (c0, c1) -> {
                    for (int chunk = c0; chunk < c1; chunk++) {
                        int from = (int) ((long) N * chunk / chunks), to = (int) ((long) N * (chunk + 1) / chunks);
                        float[] col = needW && direct < 0 ? scratch(0, K * L) : null;
                        float[] dcol = needX && direct < 0 ? scratch(1, K * L) : null;
                        float[] dwPart = needW ? Graph.buffer(O * K) : null;
                        double[] dbPart = dbWithW ? new double[O] : null;
                        dwParts[chunk] = dwPart;
                        dbParts[chunk] = dbPart;
                        for (int n = from; n < to; n++) {
                            for (int gi = 0; gi < groups; gi++) {
                                int gRow = gOff + (n * O + gi * Og) * L; // g[n, gi·Og.., :] as [Og, L]
                                if (needW) { // dW_g [Og, K] += g_ng [Og, L] · colᵀ [L, K]
                                    if (smallK) {
                                        Im2col.im2col(x, imageOffset(n, gi), sC, sH, sW, geo, col);
                                        ConvSmallK.weightGrad(g, gRow, Og, L, col, K, dwPart, gi * Og * K, dbPart, gi * Og);
                                    } else if (direct >= 0) {
                                        Gemm.sgemm(Og, K, L, g, gRow, L, 1, x, imageOffset(n, gi), direct, sC,
                                                dwPart, gi * Og * K, K, true);
                                    } else {
                                        Im2col.im2col(x, imageOffset(n, gi), sC, sH, sW, geo, col);
                                        Gemm.sgemm(Og, K, L, g, gRow, L, 1, col, 0, 1, L, dwPart, gi * Og * K, K, true);
                                    }
                                }
                                if (needX) { // dcol [K, L] = W_gᵀ [K, Og] · g_ng [Og, L]
                                    int dxOff = (n * C + gi * Cg) * HW;
                                    if (direct >= 0) {
                                        Gemm.sgemm(K, L, Og, w, wOff + gi * Og * K, 1, K, g, gRow, L, 1, dx, dxOff, L, false);
                                    } else {
                                        Gemm.sgemm(K, L, Og, w, wOff + gi * Og * K, 1, K, g, gRow, L, 1, dcol, 0, L, false);
                                        Im2col.col2im(dcol, geo, dx, dxOff);
                                    }
                                }
                            }
                        }
                    }
                });
                for (int chunk = 0; chunk < chunks && needW; chunk++) {
                    float[] part = dwParts[chunk];
                    for (int i = 0; i < dw.length; i++) dw[i] += part[i];
                    if (dbWithW) for (int i = 0; i < O; i++) dbSum[i] += dbParts[chunk][i];
                }
            }
            float[] db = null;
            if (dbWithW) {
                db = Graph.buffer(O);
                for (int i = 0; i < O; i++) db[i] = (float) dbSum[i];
            } else if (needB) {
                db = PlaneSums.channelSums(g, gOff, N, O, L);
            }
            return new Tensor[] {
                    dx == null ? null : Tensor.of(dx, input.shape()),
                    dw == null ? null : Tensor.of(dw, weight.shape()),
                    db == null ? null : Tensor.of(db, O)};
        }
    }
}
