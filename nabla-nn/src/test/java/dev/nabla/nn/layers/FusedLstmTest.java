package dev.nabla.nn.layers;

import dev.nabla.autograd.GradCheck;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fused LSTM recurrence ({@code nn.internal.LmLstm}: packed W_hh panels, per-thread blocks of 16 hidden units,
 * Vector API gates) against the general per-step loop ({@link Recurrent#runGeneral}), forward values and every
 * gradient, over hidden sizes below, at and across the 16-unit blocks, both layouts and directions, with and without
 * initial states and biases; plus finite differences through the fused path with several blocks.
 */
class FusedLstmTest {
    private static Tensor leaf(Generator g, float scale, int... shape) {
        return Tensor.randn(g, shape).mul(scale).detach().requiresGrad(true);
    }

    @Test
    void matchesTheGeneralLoopValuesAndGradients() {
        int[][] cases = { // T, B, in, H
                {1, 1, 3, 5}, {4, 3, 2, 16}, {7, 5, 6, 33}, {3, 32, 8, 64}, {5, 2, 4, 17}, {6, 9, 64, 256}};
        int seed = 0;
        for (int[] k : cases)
            for (int variant = 0; variant < 4; variant++) {
                boolean batchFirst = (variant & 1) != 0, reverse = (variant & 2) != 0;
                boolean states = (seed % 2) == 0, bias = (seed % 3) != 2;
                Generator g = new Generator(100 + seed++);
                int T = k[0], B = k[1], I = k[2], H = k[3];
                Tensor x = leaf(g, 1f, batchFirst ? new int[] {B, T, I} : new int[] {T, B, I});
                Tensor h0 = states ? leaf(g, 0.5f, B, H) : null, c0 = states ? leaf(g, 1f, B, H) : null;
                float bound = (float) (1 / Math.sqrt(H));
                Tensor wIh = leaf(g, bound, 4 * H, I), wHh = leaf(g, bound, 4 * H, H);
                Tensor bIh = bias ? leaf(g, bound, 4 * H) : null, bHh = bias ? leaf(g, bound, 4 * H) : null;
                Tensor[] in = {x, h0, c0, wIh, wHh, bIh, bHh};
                Tensor weights = Tensor.randn(g, T * B + B, H);
                String what = "T=" + T + " B=" + B + " in=" + I + " H=" + H + " batchFirst=" + batchFirst
                        + " reverse=" + reverse + " states=" + states + " bias=" + bias;

                Tensor fused = Recurrent.run(Recurrent.Cell.LSTM, x, h0, c0, wIh, wHh, bIh, bHh, batchFirst, reverse);
                fused.mul(weights).sum().backward();
                Tensor[] gFused = grads(in);
                Tensor ref = Recurrent.runGeneral(Recurrent.Cell.LSTM, x, h0, c0, wIh, wHh, bIh, bHh, batchFirst, reverse);
                ref.mul(weights).sum().backward();
                Tensor[] gRef = grads(in);

                assertClose(ref.toFloatArray(), fused.toFloatArray(), 2e-6f, what + " output");
                for (int i = 0; i < in.length; i++) {
                    if (in[i] == null) continue;
                    assertClose(gRef[i].toFloatArray(), gFused[i].toFloatArray(), 1e-5f, what + " grad " + i);
                }
            }
    }

    /** Gradients as they are, then cleared for the next pass. */
    private static Tensor[] grads(Tensor[] in) {
        Tensor[] out = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) continue;
            assertNotNull(in[i].grad(), "no gradient for input " + i);
            out[i] = in[i].grad();
            in[i].setGrad(null);
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what);
        float scale = 0;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], tol * Math.max(1f, scale), what + " at " + i);
    }

    @Test
    void gradientsAcrossSeveralUnitBlocksMatchFiniteDifferences() {
        Generator g = new Generator(9);
        LSTM m = new LSTM(3, 20, 1, true, true, 0f, false, g);
        Tensor x = leaf(g, 1f, 2, 3, 3), h0 = leaf(g, 0.5f, 1, 2, 20), c0 = leaf(g, 1f, 1, 2, 20);
        GradCheck.check(new GradCheck.Options(1e-3, 3e-3, 3e-2), t -> {
            RnnOutput r = m.forward(t[0], t[1], t[2]);
            return Tensor.cat(java.util.List.of(r.output().flatten(), r.h().flatten(), r.c().flatten()), 0);
        }, x, h0, c0, m.weightIh(0, 0), m.weightHh(0, 0), m.biasIh(0, 0));
    }
}
