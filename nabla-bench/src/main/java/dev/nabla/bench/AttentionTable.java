package dev.nabla.bench;

import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.layers.Attention;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/**
 * Times causal packed self-attention (the GPT block's op) forward and forward+backward, and reports the bytes the
 * forward keeps alive for the backward. The kernel is the one {@code -Dnabla.attention.kernel=auto|flash|materialised}
 * selects, so that old and new are compared by alternating processes under the same load.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Dnabla.attention.kernel=flash \
 *      -cp nabla-bench/target/benchmarks.jar dev.nabla.bench.AttentionTable [N,H,L,D ...] [--seconds 2]
 * </pre>
 * Default shapes: the gpt workload's 32,4,128,32 and long contexts 2,4,1024,32 and 1,4,2048,32.
 */
public final class AttentionTable {
    private AttentionTable() {}

    public static void main(String[] args) {
        double seconds = 2;
        java.util.List<int[]> shapes = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds")) seconds = Double.parseDouble(args[++i]);
            else shapes.add(Arrays.stream(args[i].split(",")).mapToInt(Integer::parseInt).toArray());
        }
        if (shapes.isEmpty()) shapes = java.util.List.of(new int[] {32, 4, 128, 32}, new int[] {2, 4, 1024, 32},
                new int[] {1, 4, 2048, 32});
        String kernel = System.getProperty("nabla.attention.kernel", "auto");
        for (int[] sh : shapes) {
            int n = sh[0], h = sh[1], l = sh[2], e = h * sh[3];
            Tensor qkv = Tensor.randn(new Generator(1), n, l, 3 * e).mul(0.5f).detach();
            Tensor w = Tensor.randn(new Generator(2), n, l, e);
            long saved = saved(qkv, h);
            double fwd = median(seconds / 2, () -> {
                try (var ng = NoGrad.enter()) {
                    Attention.packedSelfAttention(qkv, h, null, null, true, 0, null);
                }
            });
            double fb = median(seconds, () -> {
                Tensor x = qkv.detach().requiresGrad(true);
                Attention.packedSelfAttention(x, h, null, null, true, 0, null).mul(w).sum().backward();
            });
            System.out.printf("%-12s N=%d H=%d L=%d D=%d causal  fwd %8.3f ms  fwd+bwd %8.3f ms  saved %8.1f MiB%n",
                    kernel, n, h, l, sh[3], fwd, fb, saved / 1048576.0);
        }
    }

    /** Heap bytes the forward keeps for the backward (its output included), after full collections. */
    private static long saved(Tensor qkv, int h) {
        long before = used();
        Tensor x = qkv.detach().requiresGrad(true);
        Tensor y = Attention.packedSelfAttention(x, h, null, null, true, 0, null);
        long after = used();
        if (y.size(0) < 0) throw new AssertionError(); // keeps y reachable until here
        return after - before;
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    /** Median milliseconds of {@code body} after a warm-up, repeated for about {@code seconds}. */
    private static double median(double seconds, Runnable body) {
        long end = System.nanoTime() + (long) (seconds * 0.3e9);
        while (System.nanoTime() < end) body.run();
        java.util.List<Double> t = new java.util.ArrayList<>();
        end = System.nanoTime() + (long) (seconds * 0.7e9);
        while (System.nanoTime() < end || t.size() < 5) {
            long t0 = System.nanoTime();
            body.run();
            t.add((System.nanoTime() - t0) / 1e6);
        }
        java.util.Collections.sort(t);
        return t.get(t.size() / 2);
    }
}
