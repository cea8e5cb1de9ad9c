package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The column layout that turns a 2-D convolution into one GEMM, and its adjoint.
 *
 * <p>For an image of {@code C} channels, the column matrix has {@code C·kH·kW} rows, one per
 * (channel, kernel row, kernel column) in that order (the layout of a PyTorch weight [O, C, kH, kW]
 * flattened to [O, C·kH·kW]), and {@code outH·outW} columns, one per output position. Element
 * (c, kh, kw; oh, ow) is the input pixel (c, oh·strideH − padH + kh·dilationH, ow·strideW − padW +
 * kw·dilationW), or 0 where that falls in the padding.
 */
public final class Im2col {
    private Im2col() {}

    /** The shape of one convolution as seen by one group of one image. */
    public record Geometry(int channels, int height, int width, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW, int dilationH, int dilationW,
                           int outH, int outW) {
        /** Rows of the column matrix: channels·kH·kW. */
        public int rows() { return channels * kernelH * kernelW; }

        /** Columns of the column matrix: outH·outW. */
        public int cols() { return outH * outW; }
    }

    /**
     * Fills {@code col} (rows() × cols(), row-major from index 0) from the image whose pixel (c, h, w)
     * is {@code x[xOff + c·sC + h·sH + w·sW]}: any strides, so permuted or sliced inputs need no copy.
     */
    public static void im2col(float[] x, int xOff, int sC, int sH, int sW, Geometry g, float[] col) {
        final int kH = g.kernelH(), kW = g.kernelW(), H = g.height(), W = g.width();
        final int strH = g.strideH(), strW = g.strideW(), dilH = g.dilationH(), dilW = g.dilationW();
        final int padH = g.padH(), padW = g.padW(), OH = g.outH(), OW = g.outW(), L = OH * OW;
        final boolean blocks = sameWidthRows(g, sH, sW);
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            int cBase = xOff + c * sC;
            for (int kh = 0; kh < kH; kh++) {
                int hShift = kh * dilH - padH;
                for (int kw = 0; kw < kW; kw++, row += L) {
                    int wShift = kw * dilW - padW;
                    int lo = firstInside(wShift, strW, OW), hi = endInside(wShift, strW, W, OW);
                    if (blocks) {
                        copyShiftedBlock(x, cBase, hShift, wShift, lo, hi, g, col, row);
                        continue;
                    }
                    for (int oh = 0; oh < OH; oh++) {
                        int dst = row + oh * OW;
                        int ih = oh * strH + hShift;
                        if (ih < 0 || ih >= H || lo >= hi) {
                            Arrays.fill(col, dst, dst + OW, 0f);
                            continue;
                        }
                        if (lo > 0) Arrays.fill(col, dst, dst + lo, 0f);
                        int src = cBase + ih * sH;
                        if (strW == 1 && sW == 1) {
                            System.arraycopy(x, src + lo + wShift, col, dst + lo, hi - lo);
                        } else {
                            int step = strW * sW;
                            for (int ow = lo, p = src + (lo * strW + wShift) * sW; ow < hi; ow++, p += step) col[dst + ow] = x[p];
                        }
                        if (hi < OW) Arrays.fill(col, dst + hi, dst + OW, 0f);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: adds each column element back onto the pixel it was read from, in
     * a contiguous image [channels, height, width] starting at {@code dx[dxOff]}. Padding is dropped.
     */
    public static void col2im(float[] col, Geometry g, float[] dx, int dxOff) {
        final int kH = g.kernelH(), kW = g.kernelW(), H = g.height(), W = g.width();
        final int strH = g.strideH(), strW = g.strideW(), dilH = g.dilationH(), dilW = g.dilationW();
        final int padH = g.padH(), padW = g.padW(), OH = g.outH(), OW = g.outW(), L = OH * OW;
        final boolean blocks = sameWidthRows(g, W, 1);
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            int cBase = dxOff + c * H * W;
            for (int kh = 0; kh < kH; kh++) {
                int hShift = kh * dilH - padH;
                for (int kw = 0; kw < kW; kw++, row += L) {
                    int wShift = kw * dilW - padW;
                    int lo = firstInside(wShift, strW, OW), hi = endInside(wShift, strW, W, OW);
                    if (lo >= hi) continue;
                    if (blocks) {
                        addShiftedBlock(col, row, hShift, wShift, lo, hi, g, dx, cBase);
                        continue;
                    }
                    for (int oh = 0; oh < OH; oh++) {
                        int ih = oh * strH + hShift;
                        if (ih < 0 || ih >= H) continue;
                        int src = row + oh * OW;
                        int dst = cBase + ih * W + wShift;
                        if (strW == 1) {
                            for (int ow = lo; ow < hi; ow++) dx[dst + ow] += col[src + ow];
                        } else {
                            for (int ow = lo; ow < hi; ow++) dx[dst + ow * strW] += col[src + ow];
                        }
                    }
                }
            }
        }
    }

    /**
     * True when a kernel offset's block of the column matrix is the image plane shifted as a whole: stride 1
     * both ways, output as wide as the input ("same" padding) and image rows contiguous and back to back.
     * Then output row oh + 1 starts exactly one image row after row oh, so the block is one contiguous
     * copy (plus fixing the few columns that wrapped into the neighbouring row) instead of one short
     * copy per output row (conv2's rows are 14 floats: the per-row calls were most of im2col's time).
     */
    static boolean sameWidthRows(Geometry g, int sH, int sW) {
        return g.strideH() == 1 && g.strideW() == 1 && sW == 1 && sH == g.width() && g.outW() == g.width();
    }

    /** First output row whose input row oh + shift is >= 0, and one past the last one < height (stride 1). */
    private static int firstRow(int shift, int outH) { return Math.min(outH, Math.max(0, -shift)); }

    private static int endRow(int shift, int height, int outH) { return Math.max(0, Math.min(outH, height - shift)); }

    /** The {@link #im2col} block of one kernel offset when {@link #sameWidthRows}; lo/hi as there. */
    private static void copyShiftedBlock(float[] x, int cBase, int hShift, int wShift, int lo, int hi, Geometry g,
                                         float[] col, int row) {
        final int W = g.width(), OH = g.outH(), OW = g.outW();
        int r0 = firstRow(hShift, OH), r1 = Math.max(r0, endRow(hShift, g.height(), OH));
        Arrays.fill(col, row, row + r0 * OW, 0f);
        Arrays.fill(col, row + r1 * OW, row + OH * OW, 0f);
        if (r0 == r1) return;
        if (lo >= hi) {
            Arrays.fill(col, row + r0 * OW, row + r1 * OW, 0f);
            return;
        }
        // Rows r0..r1-1 in one copy from column lo of the first to column hi of the last: the span's
        // in-between entries outside [lo, hi) read the neighbouring image row and are zeroed after.
        int dst = row + r0 * OW + lo, src = cBase + (r0 + hShift) * W + lo + wShift;
        System.arraycopy(x, src, col, dst, (r1 - r0 - 1) * OW + hi - lo);
        if (lo > 0 || hi < OW)
            for (int oh = r0; oh < r1; oh++) {
                int d = row + oh * OW;
                for (int ow = 0; ow < lo; ow++) col[d + ow] = 0f;
                for (int ow = hi; ow < OW; ow++) col[d + ow] = 0f;
            }
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final boolean VECTOR = FloatVector.SPECIES_PREFERRED.length() >= 8;

    /**
     * The {@link #col2im} block of one kernel offset when {@link #sameWidthRows}: the column entries that
     * fall in the padding are zeroed first (the column buffer is scratch), then the block is added to the
     * plane in one contiguous span, those entries adding 0 to a neighbouring row's pixel.
     */
    private static void addShiftedBlock(float[] col, int row, int hShift, int wShift, int lo, int hi, Geometry g,
                                        float[] dx, int cBase) {
        final int W = g.width(), OH = g.outH(), OW = g.outW();
        int r0 = firstRow(hShift, OH), r1 = endRow(hShift, g.height(), OH);
        if (r0 >= r1) return;
        if (lo > 0 || hi < OW)
            for (int oh = r0; oh < r1; oh++) {
                int d = row + oh * OW;
                for (int ow = 0; ow < lo; ow++) col[d + ow] = 0f;
                for (int ow = hi; ow < OW; ow++) col[d + ow] = 0f;
            }
        int src = row + r0 * OW + lo, dst = cBase + (r0 + hShift) * W + lo + wShift;
        int n = (r1 - r0 - 1) * OW + hi - lo, i = 0;
        if (VECTOR)
            for (int end = F.loopBound(n); i < end; i += F.length())
                FloatVector.fromArray(F, dx, dst + i).add(FloatVector.fromArray(F, col, src + i)).intoArray(dx, dst + i);
        for (; i < n; i++) dx[dst + i] += col[src + i];
    }

    /** The first output column whose input column {@code ow·stride + shift} is >= 0 (at most outW). */
    private static int firstInside(int shift, int stride, int outW) {
        return shift >= 0 ? 0 : Math.min(outW, (-shift + stride - 1) / stride);
    }

    /** One past the last output column whose input column {@code ow·stride + shift} is < width (at most outW). */
    private static int endInside(int shift, int stride, int width, int outW) {
        int last = width - 1 - shift;
        return last < 0 ? 0 : Math.min(outW, last / stride + 1);
    }
}
