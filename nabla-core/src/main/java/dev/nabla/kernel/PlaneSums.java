package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Per-channel sums over [N, C, L] data (a convolution's bias gradient), vectorised along L. */
public final class PlaneSums {
    private PlaneSums() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    /**
     * out[c] = Σ_n Σ_l x[off + (n·C + c)·L + l], each plane summed in float lanes then accumulated in double.
     */
    public static float[] channelSums(float[] x, int off, int N, int C, int L) {
        float[] out = new float[C];
        Parallel.forRange(C, Math.max(1, 16384 / Math.max(1, N * L)), (from, to) -> {
            int full = S.loopBound(L);
            for (int c = from; c < to; c++) {
                double total = 0;
                for (int n = 0; n < N; n++) {
                    int p = off + (n * C + c) * L;
                    FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
                    int l = 0;
                    for (; l + 2 * S.length() <= L; l += 2 * S.length()) {
                        acc0 = acc0.add(FloatVector.fromArray(S, x, p + l));
                        acc1 = acc1.add(FloatVector.fromArray(S, x, p + l + S.length()));
                    }
                    for (; l < full; l += S.length()) acc0 = acc0.add(FloatVector.fromArray(S, x, p + l));
                    float s = VecMath.sumLanes(acc0.add(acc1));
                    for (; l < L; l++) s += x[p + l];
                    total += s;
                }
                out[c] = (float) total;
            }
        });
        return out;
    }
}
