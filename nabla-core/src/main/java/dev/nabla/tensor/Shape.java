package dev.nabla.tensor;

import java.util.Arrays;

/** Shape arithmetic on plain {@code int[]} shapes: element counts, strides, broadcasting, dim checks. */
public final class Shape {
    private Shape() {}

    /** Number of elements; throws if a size is negative or the count overflows an int. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative size in shape " + str(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 16)
                throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31 elements");
        }
        return (int) n;
    }

    /** Row-major (C order) strides for a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** NumPy broadcasting of two shapes; the op name goes into the error. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast (dim " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a tensor of {@code shape}/{@code strides} as if broadcast to {@code target}. */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int lead = target.length - shape.length;
        for (int i = 0; i < shape.length; i++)
            out[lead + i] = shape[i] == 1 && target[lead + i] != 1 ? 0 : strides[i];
        return out;
    }

    /** Wraps a possibly negative dim into [0, rank) or throws naming the op. */
    public static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= Math.max(rank, 1))
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for a tensor of rank " + rank);
        return d;
    }

    /** "[2, 3]" */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
