package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise loops. Binary ops read two broadcast/strided operands and write a contiguous output;
 * the op is chosen once per row (a switch outside the loop), so each inner loop is a plain array loop
 * that C2 vectorises when both strides are 1. Large outputs are split across the shared pool.
 */
public final class Pointwise {
    private Pointwise() {}

    /** Below this many elements a loop stays on the caller's thread. */
    static final int PARALLEL_GRAIN = 1 << 15;

    public enum Binary { ADD, SUB, MUL, DIV, POW, MAX, MIN, GT, LT, GE, LE, EQ }

    public enum Unary { NEG, EXP, LOG, SQRT, ABS, RELU, SIGMOID, TANH, LEAKY_RELU, CLAMP, POW_SCALAR }

    /**
     * out[i] = a[i] op b[i] for every index of {@code shape}; {@code aStr}/{@code bStr} are the operands'
     * strides already broadcast to {@code shape} (0 on broadcast dims). {@code out} is contiguous.
     */
    public static void binary(Binary op, float[] a, int aOff, int[] aStrides, float[] b, int bOff, int[] bStrides,
                              int[] outShape, float[] out) {
        int[][] merged = coalesce(outShape, aStrides, bStrides);
        int[] shape = merged[0], aStr = merged[1], bStr = merged[2];
        int rank = shape.length;
        if (rank == 0) {
            row(op, a, aOff, 0, b, bOff, 0, out, 0, 1);
            return;
        }
        int n = shape[rank - 1];
        int rows = Strided.rows(shape);
        if (n == 0 || rows == 0) return;
        int sa = aStr[rank - 1], sb = bStr[rank - 1];
        int grainRows = Math.max(1, PARALLEL_GRAIN / Math.max(n, 1));
        Parallel.forRange(rows, grainRows, (r0, r1) -> {
            int[] idx = new int[rank];
            int ai = aOff, bi = bOff;
            for (int d = rank - 2, r = r0; d >= 0; d--) { // position the counters at row r0
                idx[d] = r % shape[d];
                r /= shape[d];
                ai += idx[d] * aStr[d];
                bi += idx[d] * bStr[d];
            }
            for (int r = r0; r < r1; r++) {
                row(op, a, ai, sa, b, bi, sb, out, r * n, n);
                if (r + 1 < r1) {
                    for (int d = rank - 2; d >= 0; d--) {
                        ai += aStr[d];
                        bi += bStr[d];
                        if (++idx[d] < shape[d]) break;
                        ai -= aStr[d] * shape[d];
                        bi -= bStr[d] * shape[d];
                        idx[d] = 0;
                    }
                }
            }
        });
    }

    /**
     * The same iteration with fewer dims: size-1 dims dropped and neighbours merged wherever both operands
     * step through them as through one dim (the output is contiguous, so it always can). A [1000, 1] + [1]
     * bias add then runs as one row of 1000 instead of 1000 rows of one element.
     */
    static int[][] coalesce(int[] shape, int[] aStr, int[] bStr) {
        int rank = shape.length;
        int[] s = new int[rank], sa = new int[rank], sb = new int[rank];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && aStr[d] * shape[d] == sa[r - 1] && bStr[d] * shape[d] == sb[r - 1]) {
                s[r - 1] *= shape[d];      // the previous dim steps over exactly this one: merge
                sa[r - 1] = aStr[d];
                sb[r - 1] = bStr[d];
            } else {
                s[r] = shape[d];
                sa[r] = aStr[d];
                sb[r] = bStr[d];
                r++;
            }
        }
        if (r == rank) return new int[][] {shape, aStr, bStr};
        if (r == 0 && rank > 0) { // every dim has size 1 (or there are none): one element
            for (int d : shape) if (d == 0) return new int[][] {shape, aStr, bStr};
            return new int[][] {new int[] {1}, new int[] {0}, new int[] {0}};
        }
        return new int[][] {java.util.Arrays.copyOf(s, r), java.util.Arrays.copyOf(sa, r), java.util.Arrays.copyOf(sb, r)};
    }

    private static void row(Binary op, float[] a, int ai, int sa, float[] b, int bi, int sb, float[] out, int oi, int n) {
        if (sa == 1 && sb == 1) {
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] + b[bi + i]; }
                case SUB -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] - b[bi + i]; }
                case MUL -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] * b[bi + i]; }
                case DIV -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] / b[bi + i]; }
                default -> general(op, a, ai, 1, b, bi, 1, out, oi, n);
            }
        } else if (sa == 1 && sb == 0) {
            float v = b[bi];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] + v; }
                case SUB -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] - v; }
                case MUL -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] * v; }
                case DIV -> { for (int i = 0; i < n; i++) out[oi + i] = a[ai + i] / v; }
                default -> general(op, a, ai, 1, b, bi, 0, out, oi, n);
            }
        } else {
            general(op, a, ai, sa, b, bi, sb, out, oi, n);
        }
    }

    private static void general(Binary op, float[] a, int ai, int sa, float[] b, int bi, int sb, float[] out, int oi, int n) {
        for (int i = 0; i < n; i++, ai += sa, bi += sb) {
            float x = a[ai], y = b[bi];
            out[oi + i] = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case POW -> (float) Math.pow(x, y);
                case MAX -> Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.max(x, y);
                case MIN -> Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.min(x, y);
                case GT -> x > y ? 1f : 0f;
                case LT -> x < y ? 1f : 0f;
                case GE -> x >= y ? 1f : 0f;
                case LE -> x <= y ? 1f : 0f;
                case EQ -> x == y ? 1f : 0f;
            };
        }
    }

    /** out[o+i] = f(x[xOff+i]) over {@code n} contiguous elements; p and q are the op's parameters. */
    public static void unary(Unary op, float p, float q, float[] x, int xOff, float[] out, int oOff, int n) {
        Parallel.forRange(n, PARALLEL_GRAIN, (from, to) -> unaryRange(op, p, q, x, xOff, out, oOff, from, to));
    }

    private static void unaryRange(Unary op, float p, float q, float[] x, int xo, float[] out, int oo, int from, int to) {
        switch (op) {
            case NEG -> { for (int i = from; i < to; i++) out[oo + i] = -x[xo + i]; }
            case EXP -> { for (int i = from; i < to; i++) out[oo + i] = (float) Math.exp(x[xo + i]); }
            case LOG -> { for (int i = from; i < to; i++) out[oo + i] = (float) Math.log(x[xo + i]); }
            case SQRT -> { for (int i = from; i < to; i++) out[oo + i] = (float) Math.sqrt(x[xo + i]); }
            case ABS -> { for (int i = from; i < to; i++) out[oo + i] = Math.abs(x[xo + i]); }
            case RELU -> reluRange(x, xo, out, oo, from, to);
            case SIGMOID -> { for (int i = from; i < to; i++) out[oo + i] = sigmoid(x[xo + i]); }
            case TANH -> { for (int i = from; i < to; i++) out[oo + i] = (float) Math.tanh(x[xo + i]); }
            case LEAKY_RELU -> { for (int i = from; i < to; i++) { float v = x[xo + i]; out[oo + i] = v > 0 ? v : v * p; } }
            case CLAMP -> { for (int i = from; i < to; i++) { float v = x[xo + i]; out[oo + i] = v < p ? p : (v > q ? q : v); } }
            case POW_SCALAR -> {
                if (p == 2f) for (int i = from; i < to; i++) { float v = x[xo + i]; out[oo + i] = v * v; }
                else for (int i = from; i < to; i++) out[oo + i] = (float) Math.pow(x[xo + i], p);
            }
        }
    }

    /**
     * dx[i] = g[i] * f'(x[i]) for a unary op; {@code y} is the forward output (used where it is cheaper:
     * exp, sqrt, sigmoid, tanh). All arrays contiguous from their offsets.
     */
    public static void unaryGrad(Unary op, float p, float q, float[] x, int xo, float[] y, int yo,
                                 float[] g, int go, float[] dx, int n) {
        if (op == Unary.RELU) {
            Parallel.forRange(n, PARALLEL_GRAIN, (from, to) -> reluGradRange(x, xo, g, go, dx, from, to));
            return;
        }
        Parallel.forRange(n, PARALLEL_GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[go + i];
                dx[i] = switch (op) {
                    case NEG -> -gi;
                    case EXP -> gi * y[yo + i];
                    case LOG -> gi / x[xo + i];
                    case SQRT -> gi / (2f * y[yo + i]);
                    case ABS -> { float v = x[xo + i]; yield v > 0 ? gi : (v < 0 ? -gi : 0f); }
                    case RELU -> x[xo + i] > 0 ? gi : 0f;
                    case SIGMOID -> { float s = y[yo + i]; yield gi * s * (1f - s); }
                    case TANH -> { float t = y[yo + i]; yield gi * (1f - t * t); }
                    case LEAKY_RELU -> x[xo + i] > 0 ? gi : gi * p;
                    case CLAMP -> { float v = x[xo + i]; yield v >= p && v <= q ? gi : 0f; }
                    case POW_SCALAR -> p == 0f ? 0f : (float) (gi * p * Math.pow(x[xo + i], p - 1));
                };
            }
        });
    }

    private static final VectorSpecies<Float> RELU_S = FloatVector.SPECIES_256;
    /** The masked loops need 8 float lanes in hardware; elsewhere the Vector API would run in plain Java. */
    private static final boolean RELU_VECTOR = FloatVector.SPECIES_PREFERRED.length() >= 8;

    /**
     * out = x where x > 0 or x is NaN, else 0, with masks: the scalar form's data-dependent branch
     * mispredicted on about half the elements of a conv activation (relu was 8% of a cnn step).
     */
    private static void reluRange(float[] x, int xo, float[] out, int oo, int from, int to) {
        int i = from;
        if (RELU_VECTOR) {
            FloatVector zero = FloatVector.zero(RELU_S);
            for (int end = from + RELU_S.loopBound(to - from); i < end; i += RELU_S.length()) {
                FloatVector v = FloatVector.fromArray(RELU_S, x, xo + i);
                // v <= 0 is false for NaN, so NaN passes through as in the scalar rule.
                v.blend(zero, v.compare(VectorOperators.LE, 0f)).intoArray(out, oo + i);
            }
        }
        for (; i < to; i++) { float v = x[xo + i]; out[oo + i] = v > 0 ? v : (v == v ? 0f : v); }
    }

    /** dx[i] = g[i] where x[i] > 0, else 0 (dx from index 0), with masks (see {@link #reluRange}). */
    private static void reluGradRange(float[] x, int xo, float[] g, int go, float[] dx, int from, int to) {
        int i = from;
        if (RELU_VECTOR) {
            FloatVector zero = FloatVector.zero(RELU_S);
            for (int end = from + RELU_S.loopBound(to - from); i < end; i += RELU_S.length()) {
                VectorMask<Float> pos = FloatVector.fromArray(RELU_S, x, xo + i).compare(VectorOperators.GT, 0f);
                zero.blend(FloatVector.fromArray(RELU_S, g, go + i), pos).intoArray(dx, i);
            }
        }
        for (; i < to; i++) dx[i] = x[xo + i] > 0 ? g[go + i] : 0f;
    }

    static float sigmoid(float v) {
        // Two branches so that exp never overflows: for v < 0 use e^v / (1 + e^v).
        if (v >= 0) return (float) (1 / (1 + Math.exp(-v)));
        double e = Math.exp(v);
        return (float) (e / (1 + e));
    }
}
