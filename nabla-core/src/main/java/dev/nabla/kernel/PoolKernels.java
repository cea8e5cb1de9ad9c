package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max and average pooling over 2-D planes, forward and backward, with PyTorch's window rules.
 *
 * <p>Input planes are read through strides: plane p's pixel (h, w) is {@code x[planeOff[p] + h·sH + w·sW]}.
 * Outputs and gradients are contiguous [planes, outH, outW] and [planes, height, width].
 */
public final class PoolKernels {
    private PoolKernels() {}

    /** One pooling window layout. Output sizes come from {@link #outputSize}. */
    public record Geometry(int height, int width, int kernelH, int kernelW, int strideH, int strideW,
                           int padH, int padW, int dilationH, int dilationW, int outH, int outW) {}

    /**
     * PyTorch's {@code pooling_output_shape}: floor (or ceil) of (in + 2·pad − dilation·(k − 1) − 1) / stride,
     * plus one; in ceil mode the last window must start inside the input or its left padding.
     */
    public static long outputSize(int in, int kernel, int pad, int stride, int dilation, boolean ceilMode) {
        long num = (long) in + 2L * pad - (long) dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        long out = Math.floorDiv(num, (long) stride) + 1;
        if (ceilMode && (out - 1) * stride >= (long) in + pad) out--;
        return out;
    }

    /** Work per plane, to pick a parallel grain of about 32k window reads. */
    private static int grain(Geometry g) {
        long work = (long) g.outH() * g.outW() * g.kernelH() * g.kernelW();
        return (int) Math.max(1, 32768 / Math.max(1, work));
    }

    /**
     * Max over each (dilated) window, padding counting as −∞; NaN wins as in PyTorch. When
     * {@code argmax} is not null it receives, per output, the flat index h·width + w of the first maximum
     * in its plane (−1 for a window with no input pixel).
     */
    public static void maxForward(float[] x, int[] planeOff, int sH, int sW, Geometry g, float[] out, int[] argmax) {
        if (isPlain2x2(g)) {
            maxForward2x2(x, planeOff, sH, sW, g, out, argmax);
            return;
        }
        maxForwardGeneral(x, planeOff, sH, sW, g, out, argmax);
    }

    /** True for the common 2x2 window with stride 2, no padding and no dilation, whose windows all lie inside. */
    static boolean isPlain2x2(Geometry g) {
        return g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2
                && g.padH() == 0 && g.padW() == 0 && g.dilationH() == 1 && g.dilationW() == 1
                && 2 * g.outH() <= g.height() && 2 * g.outW() <= g.width();
    }

    /**
     * {@link #maxForward} for {@link #isPlain2x2} geometries: four reads per output, compared in the general
     * loop's order (row by row) with the same rule, so ties and NaNs resolve identically.
     */
    static void maxForward2x2(float[] x, int[] planeOff, int sH, int sW, Geometry g, float[] out, int[] argmax) {
        final int W = g.width(), OH = g.outH(), OW = g.outW(), s2W = 2 * sW, L = OH * OW;
        // Window j of a plane starts at 2·oh·sH + 2·ow·sW; argmax wants 2·oh·W + 2·ow.
        final int[] start = VECTOR && L >= LANES ? new int[L] : null, at = start == null ? null : new int[L];
        if (start != null)
            for (int oh = 0, j = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++, j++) { start[j] = 2 * oh * sH + 2 * ow * sW; at[j] = 2 * oh * W + 2 * ow; }
        Parallel.forRange(planeOff.length, grain(g), (from, to) -> {
            for (int p = from; p < to; p++) {
                int o = p * L, j = 0;
                if (start != null) {
                    j = maxPlane2x2Vector(x, planeOff[p], sH, sW, W, start, at, L, out, o, argmax);
                    o += j;
                }
                for (; j < L; j++, o++) {
                    int oh = j / OW, ow = j - oh * OW;
                    int r0 = planeOff[p] + 2 * oh * sH + ow * s2W, r1 = r0 + sH;
                    float a = x[r0], b = x[r0 + sW], c = x[r1], d = x[r1 + sW];
                    float best = a;
                    int k = 0;
                    if (b > best || b != b) { best = b; k = 1; }
                    if (c > best || c != c) { best = c; k = 2; }
                    if (d > best || d != d) { best = d; k = 3; }
                    out[o] = best;
                    if (argmax != null) argmax[o] = 2 * oh * W + 2 * ow + (k & 1) + (k >> 1) * W;
                }
            }
        });
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final int LANES = F.length();
    /** Gathers and masks need 8 float lanes in hardware; elsewhere the Vector API would run in plain Java. */
    private static final boolean VECTOR = FloatVector.SPECIES_PREFERRED.length() >= 8;

    /**
     * The first {@code L − L mod 8} windows of one plane, 8 at a time: the four pixels of each window are
     * gathered into four vectors and compared in the scalar order (a, b, c, d) with the same rule
     * (greater, or NaN), as lane masks. The scalar form's branches mispredicted on real activations
     * (max-pool was 12% of a cnn step). Returns how many windows were done.
     */
    private static int maxPlane2x2Vector(float[] x, int base, int sH, int sW, int W, int[] start, int[] at, int L,
                                         float[] out, int o, int[] argmax) {
        FloatVector one = FloatVector.broadcast(F, 1f), down = FloatVector.broadcast(F, W);
        int j = 0;
        for (int end = F.loopBound(L); j < end; j += LANES) {
            FloatVector best = FloatVector.fromArray(F, x, base, start, j);
            FloatVector b = FloatVector.fromArray(F, x, base + sW, start, j);
            FloatVector c = FloatVector.fromArray(F, x, base + sH, start, j);
            FloatVector d = FloatVector.fromArray(F, x, base + sH + sW, start, j);
            // shift: where the chosen pixel lies from the window's top-left, as h·W + w (exact in float).
            FloatVector shift = FloatVector.zero(F);
            VectorMask<Float> m = b.compare(VectorOperators.GT, best).or(b.test(VectorOperators.IS_NAN));
            best = best.blend(b, m);
            shift = shift.blend(one, m);
            m = c.compare(VectorOperators.GT, best).or(c.test(VectorOperators.IS_NAN));
            best = best.blend(c, m);
            shift = shift.blend(down, m);
            m = d.compare(VectorOperators.GT, best).or(d.test(VectorOperators.IS_NAN));
            best = best.blend(d, m);
            shift = shift.blend(down.add(one), m);
            best.intoArray(out, o + j);
            if (argmax != null)
                ((IntVector) shift.convertShape(VectorOperators.F2I, I, 0)).add(IntVector.fromArray(I, at, j))
                        .intoArray(argmax, o + j);
        }
        return j;
    }

    /** {@link #maxForward} for any geometry. */
    static void maxForwardGeneral(float[] x, int[] planeOff, int sH, int sW, Geometry g, float[] out, int[] argmax) {
        final int H = g.height(), W = g.width(), kH = g.kernelH(), kW = g.kernelW();
        final int strH = g.strideH(), strW = g.strideW(), padH = g.padH(), padW = g.padW();
        final int dH = g.dilationH(), dW = g.dilationW(), OH = g.outH(), OW = g.outW();
        Parallel.forRange(planeOff.length, grain(g), (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = planeOff[p], o = p * OH * OW;
                for (int oh = 0; oh < OH; oh++) {
                    int hs = oh * strH - padH, he = Math.min(hs + (kH - 1) * dH + 1, H);
                    while (hs < 0) hs += dH;
                    for (int ow = 0; ow < OW; ow++, o++) {
                        int ws = ow * strW - padW, we = Math.min(ws + (kW - 1) * dW + 1, W);
                        while (ws < 0) ws += dW;
                        float best = Float.NEGATIVE_INFINITY;
                        int bestAt = hs < he && ws < we ? hs * W + ws : -1;
                        for (int ih = hs; ih < he; ih += dH) {
                            int row = base + ih * sH;
                            for (int iw = ws; iw < we; iw += dW) {
                                float v = x[row + iw * sW];
                                if (v > best || v != v) {
                                    best = v;
                                    bestAt = ih * W + iw;
                                }
                            }
                        }
                        out[o] = best;
                        if (argmax != null) argmax[o] = bestAt;
                    }
                }
            }
        });
    }

    /** Adds each output gradient to the input pixel its window's maximum came from. */
    public static void maxBackward(float[] gradOut, int gOff, int[] argmax, int planes, Geometry g, float[] dx) {
        final int L = g.outH() * g.outW(), HW = g.height() * g.width();
        Parallel.forRange(planes, grain(g), (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = p * HW;
                for (int o = p * L, e = o + L; o < e; o++) {
                    int at = argmax[o];
                    if (at >= 0) dx[base + at] += gradOut[gOff + o];
                }
            }
        });
    }

    /**
     * Mean over each window (no dilation). The divisor is the window clipped to the padded input when
     * {@code countIncludePad}, else the number of input pixels in it, as PyTorch's {@code avg_pool2d}.
     */
    public static void avgForward(float[] x, int[] planeOff, int sH, int sW, Geometry g, boolean countIncludePad, float[] out) {
        final int H = g.height(), W = g.width(), kH = g.kernelH(), kW = g.kernelW();
        final int strH = g.strideH(), strW = g.strideW(), padH = g.padH(), padW = g.padW();
        final int OH = g.outH(), OW = g.outW();
        Parallel.forRange(planeOff.length, grain(g), (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = planeOff[p], o = p * OH * OW;
                for (int oh = 0; oh < OH; oh++) {
                    int hs0 = oh * strH - padH, he0 = Math.min(hs0 + kH, H + padH);
                    int hs = Math.max(hs0, 0), he = Math.min(he0, H);
                    for (int ow = 0; ow < OW; ow++, o++) {
                        int ws0 = ow * strW - padW, we0 = Math.min(ws0 + kW, W + padW);
                        int ws = Math.max(ws0, 0), we = Math.min(we0, W);
                        int divisor = countIncludePad ? (he0 - hs0) * (we0 - ws0) : (he - hs) * (we - ws);
                        float sum = 0f;
                        for (int ih = hs; ih < he; ih++) {
                            int row = base + ih * sH;
                            for (int iw = ws; iw < we; iw++) sum += x[row + iw * sW];
                        }
                        out[o] = sum / divisor;
                    }
                }
            }
        });
    }

    /** Spreads each output gradient evenly (by the forward's divisor) over its window's input pixels. */
    public static void avgBackward(float[] gradOut, int gOff, int planes, Geometry g, boolean countIncludePad, float[] dx) {
        final int H = g.height(), W = g.width(), kH = g.kernelH(), kW = g.kernelW();
        final int strH = g.strideH(), strW = g.strideW(), padH = g.padH(), padW = g.padW();
        final int OH = g.outH(), OW = g.outW();
        Parallel.forRange(planes, grain(g), (from, to) -> {
            for (int p = from; p < to; p++) {
                int base = p * H * W, o = gOff + p * OH * OW;
                for (int oh = 0; oh < OH; oh++) {
                    int hs0 = oh * strH - padH, he0 = Math.min(hs0 + kH, H + padH);
                    int hs = Math.max(hs0, 0), he = Math.min(he0, H);
                    for (int ow = 0; ow < OW; ow++, o++) {
                        int ws0 = ow * strW - padW, we0 = Math.min(ws0 + kW, W + padW);
                        int ws = Math.max(ws0, 0), we = Math.min(we0, W);
                        int divisor = countIncludePad ? (he0 - hs0) * (we0 - ws0) : (he - hs) * (we - ws);
                        float share = gradOut[o] / divisor;
                        for (int ih = hs; ih < he; ih++) {
                            int row = base + ih * W;
                            for (int iw = ws; iw < we; iw++) dx[row + iw] += share;
                        }
                    }
                }
            }
        });
    }
}
