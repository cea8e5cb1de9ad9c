package dev.nabla.kernel;

/**
 * Walking strided (non-contiguous, possibly broadcast) layouts. Everything iterates over the outer dims
 * with a counter and hands the last dim to a tight loop, so the per-element cost is one multiply-add.
 */
public final class Strided {
    private Strided() {}

    /** Copies a strided float view into {@code dst} (contiguous, row-major) starting at {@code dstOff}. */
    public static void copy(float[] src, int srcOff, int[] shape, int[] strides, float[] dst, int dstOff) {
        int rank = shape.length;
        if (rank == 0) { dst[dstOff] = src[srcOff]; return; }
        int n = shape[rank - 1], s = strides[rank - 1];
        int rows = rows(shape);
        if (rows == 0 || n == 0) return;
        int[] idx = new int[rank];
        int src0 = srcOff, d = dstOff;
        for (int r = 0; r < rows; r++) {
            if (s == 1) System.arraycopy(src, src0, dst, d, n);
            else for (int i = 0, p = src0; i < n; i++, p += s) dst[d + i] = src[p];
            d += n;
            src0 = advance(idx, shape, strides, src0);
        }
    }

    /** As {@link #copy(float[], int, int[], int[], float[], int)} for int64 storage. */
    public static void copy(long[] src, int srcOff, int[] shape, int[] strides, long[] dst, int dstOff) {
        int rank = shape.length;
        if (rank == 0) { dst[dstOff] = src[srcOff]; return; }
        int n = shape[rank - 1], s = strides[rank - 1];
        int rows = rows(shape);
        if (rows == 0 || n == 0) return;
        int[] idx = new int[rank];
        int src0 = srcOff, d = dstOff;
        for (int r = 0; r < rows; r++) {
            for (int i = 0, p = src0; i < n; i++, p += s) dst[d + i] = src[p];
            d += n;
            src0 = advance(idx, shape, strides, src0);
        }
    }

    /** Number of rows (product of all dims but the last); 1 for rank 0 or 1. */
    public static int rows(int[] shape) {
        int r = 1;
        for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
        return r;
    }

    /**
     * Steps the row counter {@code idx} (over all dims but the last) and returns the new row's offset.
     * The caller starts with {@code idx} all zeros and {@code offset} at the first row.
     */
    public static int advance(int[] idx, int[] shape, int[] strides, int offset) {
        for (int d = shape.length - 2; d >= 0; d--) {
            if (++idx[d] < shape[d]) return offset + strides[d];
            offset -= strides[d] * (shape[d] - 1);
            idx[d] = 0;
        }
        return offset;
    }
}
