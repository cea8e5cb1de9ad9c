package dev.nabla.kernel;

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
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            int cBase = xOff + c * sC;
            for (int kh = 0; kh < kH; kh++) {
                int hShift = kh * dilH - padH;
                for (int kw = 0; kw < kW; kw++, row += L) {
                    int wShift = kw * dilW - padW;
                    int lo = firstInside(wShift, strW, OW), hi = endInside(wShift, strW, W, OW);
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
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            int cBase = dxOff + c * H * W;
            for (int kh = 0; kh < kH; kh++) {
                int hShift = kh * dilH - padH;
                for (int kw = 0; kw < kW; kw++, row += L) {
                    int wShift = kw * dilW - padW;
                    int lo = firstInside(wShift, strW, OW), hi = endInside(wShift, strW, W, OW);
                    if (lo >= hi) continue;
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
