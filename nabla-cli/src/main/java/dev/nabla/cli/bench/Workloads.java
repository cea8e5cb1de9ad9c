package dev.nabla.cli.bench;

import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.SystemBlas;
import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference workloads of shared/WORKLOADS.md, run exactly as defined there. Each returns the
 * figures under the same keys as the PyTorch script (peers/pytorch_bench.py) where they mean the same.
 */
public final class Workloads {
    private Workloads() {}

    /** The workloads that run today. */
    public static final List<String> NAMES = List.of("linreg", "mlp", "cnn", "gpt", "lstm", "gemm");

    public static Map<String, Object> run(String name, BenchOptions o) {
        return switch (name) {
            case "linreg" -> linreg(o);
            case "gemm" -> gemm(o);
            case "mlp" -> Classifier.run("mlp", Classifier.mlp(new Generator(o.seed())), o.epochs() == null ? 10 : o.epochs(), o);
            case "cnn" -> Classifier.run("cnn", Classifier.cnn(new Generator(o.seed())), o.epochs() == null ? 2 : o.epochs(), o);
            case "gpt" -> LanguageModels.gpt(o);
            case "lstm" -> LanguageModels.lstm(o);
            default -> throw new IllegalArgumentException("unknown workload '" + name + "'; available: " + NAMES);
        };
    }

    /**
     * X 1000×10 ~ U[0,1), w_true 10×1 ~ U[0,1), y = X·w_true + 10; model X·W + b with W ~ N(0,1), b = 0;
     * full-batch gradient descent on the mean squared error, lr 0.01.
     */
    static Map<String, Object> linreg(BenchOptions o) {
        int epochs = o.epochs() == null ? 1000 : o.epochs();
        double lr = 0.01;
        LinearRegression.Result fit = LinearRegression.fit(epochs, (float) lr, o.seed(), (e, l) -> { });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("epochs", epochs);
        r.put("lr", lr);
        r.put("mse_initial", (double) fit.initialMse());
        r.put("mse_final", (double) fit.finalMse());
        r.put("b_final", (double) fit.bias());
        r.put("w_err_l2", (double) fit.weightError());
        r.put("train_wall_s", fit.trainSeconds());
        r.put("epochs_per_s", fit.epochsPerSecond());
        return r;
    }

    /** C = A·B on square float32 matrices, 1 then 2 threads; GFLOPS = 2n³ / median time. */
    static Map<String, Object> gemm(BenchOptions o) {
        Generator gen = new Generator(o.seed());
        List<Object> results = new ArrayList<>();
        Map<String, Object> gflops = new LinkedHashMap<>();
        int saved = Parallel.threads();
        try {
            // Let C2 compile the packing and micro-kernel loops before anything is timed: on a loaded machine
            // that can take a couple of seconds, during which the first point would measure the interpreter.
            float[] wa = Tensor.randn(gen, 512, 512).toFloatArray(), wc = new float[512 * 512];
            for (long end = System.nanoTime() + 2_000_000_000L; System.nanoTime() < end; )
                Gemm.sgemm(512, 512, 512, wa, 0, 512, 1, wa, 0, 512, 1, wc, 0, 512, false);
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                for (int n : o.gemmSizes()) {
                    float[] a = Tensor.randn(gen, n, n).toFloatArray(), b = Tensor.randn(gen, n, n).toFloatArray();
                    float[] c = new float[n * n];
                    // Warm-up until the JIT has compiled the kernel (the peer's native code needs one call; ours
                    // needs a few hundred milliseconds of calls), then size the repeats by the last call.
                    double first;
                    long warm = System.nanoTime();
                    do {
                        long s0 = System.nanoTime();
                        Gemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
                        first = (System.nanoTime() - s0) / 1e9;
                    } while (System.nanoTime() - warm < 300_000_000L);
                    int reps = (int) Math.max(3, Math.min(50, o.gemmSeconds() / Math.max(first, 1e-6)));
                    double[] times = new double[reps];
                    for (int k = 0; k < reps; k++) {
                        long s = System.nanoTime();
                        Gemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false);
                        times[k] = (System.nanoTime() - s) / 1e9;
                    }
                    double med = median(times), best = Arrays.stream(times).min().orElseThrow();
                    double gf = 2.0 * n * n * (double) n / med / 1e9;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("threads", t);
                    row.put("n", n);
                    row.put("repeats", reps);
                    row.put("median_s", med);
                    row.put("gflops", gf);
                    row.put("best_gflops", 2.0 * n * n * (double) n / best / 1e9);
                    results.add(row);
                    gflops.put("t" + t + "_n" + n, Math.round(gf * 100) / 100.0);
                    System.err.printf("gemm threads=%d n=%d: %.2f GFLOPS (median of %d)%n", t, n, gf, reps);
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("dtype", "float32");
        r.put("op", "Gemm.sgemm");
        // which kernel Gemm.sgemm ran: the pure-Java one, or the system's OpenBLAS that NABLA_BLAS asked for
        r.put("blas", SystemBlas.active().map(b -> "system " + b.origin()).orElse("java"));
        r.put("results", results);
        r.put("gflops", gflops);
        return r;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
