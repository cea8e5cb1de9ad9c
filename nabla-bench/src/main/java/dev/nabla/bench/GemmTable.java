package dev.nabla.bench;

import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Parallel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Times {@link Gemm#sgemm} on the standard shapes and prints GFLOPS, optionally next to OpenBLAS figures.
 * Quicker to read than JMH and comparable with {@code bench/openblas_gemm.py}, which measures the same way:
 * warm up, then the median of timed repeats over about {@code --seconds} per shape.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.nabla.bench.GemmTable
 *      [--threads 1,2] [--shapes 256,64x784x64,...] [--seconds 1.5] [--openblas figures.jsonl] [--jsonl]
 *      [--nabla figures.jsonl] [--interleave /path/to/libopenblas.so]
 * </pre>
 * With {@code --interleave}, OpenBLAS is called in this process (FFM) and timed sample by sample in
 * turn with Nabla, so that both see the same load: the fairest ratio on a shared machine.
 * Figure files hold one JSON object per line: {@code {"m":..,"k":..,"n":..,"threads":..,"gflops":..}};
 * {@code --jsonl} prints Nabla's figures in that form instead of a table. With {@code --nabla} nothing is
 * measured: the table is printed from that file. When a file names a configuration more than once (runs
 * repeated to ride out a noisy machine), the best figure counts, for both libraries alike.
 */
public final class GemmTable {
    private GemmTable() {}

    public static void main(String[] args) throws IOException {
        int[] threads = {1, 2};
        List<GemmShape> shapes = GemmShape.STANDARD;
        double seconds = 1.5;
        Path openblas = null, nabla = null, interleave = null;
        boolean jsonl = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--shapes" -> shapes = Arrays.stream(args[++i].split(",")).map(GemmShape::parse).toList();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--openblas" -> openblas = Path.of(args[++i]);
                case "--jsonl" -> jsonl = true;
                case "--nabla" -> nabla = Path.of(args[++i]);
                case "--interleave" -> interleave = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --threads, --shapes, --seconds, --openblas, --jsonl, --nabla, --interleave)");
            }
        }
        if (interleave != null) {
            interleaved(new OpenBlas(interleave), shapes, threads, seconds);
            return;
        }
        Map<String, Double> reference = openblas == null ? Map.of() : readFigures(openblas);
        Map<String, Double> recorded = nabla == null ? null : readFigures(nabla);
        if (recorded == null) warmUpCompiler(seconds);
        if (!jsonl) {
            System.out.printf("%-15s %7s %12s%s%n", "M x K x N", "threads", "Nabla GFLOPS",
                    openblas == null ? "" : String.format(" %15s %7s", "OpenBLAS GFLOPS", "ratio"));
        }
        for (GemmShape s : shapes) {
            for (int t : threads) {
                double gflops;
                if (recorded == null) {
                    gflops = measure(s, t, seconds);
                } else {
                    Double g = recorded.get(key(s.m(), s.k(), s.n(), t));
                    if (g == null) continue;
                    gflops = g;
                }
                if (jsonl) {
                    System.out.printf("{\"m\":%d,\"k\":%d,\"n\":%d,\"threads\":%d,\"gflops\":%.2f}%n", s.m(), s.k(), s.n(), t, gflops);
                    continue;
                }
                String line = String.format("%-15s %7d %12.1f", s, t, gflops);
                Double ref = reference.get(key(s.m(), s.k(), s.n(), t));
                if (openblas != null)
                    line += ref == null ? String.format(" %15s %7s", "-", "-") : String.format(" %15.1f %6.0f%%", ref, 100 * gflops / ref);
                System.out.println(line);
            }
        }
    }

    /** Nabla and OpenBLAS timed in alternating samples; prints medians and their ratio. */
    private static void interleaved(OpenBlas blas, List<GemmShape> shapes, int[] threads, double seconds) {
        warmUpCompiler(seconds);
        System.out.printf("%-15s %7s %12s %15s %7s   (interleaved in one process)%n",
                "M x K x N", "threads", "Nabla GFLOPS", "OpenBLAS GFLOPS", "ratio");
        for (GemmShape s : shapes) {
            for (int t : threads) {
                Parallel.setThreads(t);
                blas.setThreads(t);
                try (Arena arena = Arena.ofConfined()) {
                    double[] g = measure(s, seconds, nablaCall(s), blas.product(s, arena));
                    System.out.printf("%-15s %7d %12.1f %15.1f %6.0f%%%n", s, t, g[0], g[1], 100 * g[0] / g[1]);
                }
            }
        }
    }

    /**
     * The Vector API is very slow until C2 has compiled the kernel, so run full and edge tiles on both
     * thread counts first: the first shape timed then starts from compiled code like the others. The
     * k = 600 product takes the paths only long products take (k blocks after the first add to C, the
     * k-split): without it the kernel was compiled without its accumulating branch and deoptimised later.
     */
    private static void warmUpCompiler(double seconds) {
        for (GemmShape s : List.of(GemmShape.square(256), new GemmShape(67, 45, 131), new GemmShape(67, 600, 131)))
            for (int t : new int[] {1, 2}) measure(s, t, Math.min(seconds, 1.0));
    }

    private static Runnable nablaCall(GemmShape s) {
        float[] a = s.a(), b = s.b(), c = s.c();
        return () -> Gemm.sgemm(s.m(), s.n(), s.k(), a, 0, s.k(), 1, b, 0, s.n(), 1, c, 0, s.n(), false);
    }

    static double measure(GemmShape s, int threads, double seconds) {
        Parallel.setThreads(threads);
        return measure(s, seconds, nablaCall(s))[0];
    }

    /**
     * Median GFLOPS of each call, timed in samples long enough (~20 ms) that the clock's resolution does
     * not matter; with several calls the samples alternate between them. A third of the time budget goes
     * to warming up first (JIT, caches, pool threads).
     */
    static double[] measure(GemmShape s, double seconds, Runnable... calls) {
        int[] reps = new int[calls.length];
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        for (int i = 0; i < calls.length; i++) {
            int count = 0;
            long t0 = System.nanoTime();
            do { calls[i].run(); count++; } while (System.nanoTime() < warmEnd || count < 3);
            reps[i] = (int) Math.max(1, Math.ceil(20e6 / ((System.nanoTime() - t0) / (double) count)));
            warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        }
        List<List<Double>> samples = new ArrayList<>();
        for (int i = 0; i < calls.length; i++) samples.add(new ArrayList<>());
        long end = System.nanoTime() + (long) (seconds * calls.length * 1e9);
        do {
            for (int i = 0; i < calls.length; i++) {
                long start = System.nanoTime();
                for (int r = 0; r < reps[i]; r++) calls[i].run();
                samples.get(i).add((System.nanoTime() - start) / (double) reps[i]);
            }
        } while (System.nanoTime() < end || samples.get(0).size() < 5);
        double[] gflops = new double[calls.length];
        for (int i = 0; i < calls.length; i++) {
            List<Double> x = samples.get(i);
            x.sort(null);
            gflops[i] = s.flops() / x.get(x.size() / 2);    // flops per ns = GFLOPS
        }
        return gflops;
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*([-0-9.eE+]+)");

    /**
     * Reads {"m","k","n","threads","gflops"} objects, one per line, keeping the best figure of a repeated
     * configuration; other fields and blank lines are ignored.
     */
    static Map<String, Double> readFigures(Path file) throws IOException {
        Map<String, Double> figures = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            Map<String, Double> f = new HashMap<>();
            Matcher mt = FIELD.matcher(line);
            while (mt.find()) f.put(mt.group(1), Double.parseDouble(mt.group(2)));
            if (!f.keySet().containsAll(List.of("m", "k", "n", "threads", "gflops")))
                throw new IOException(file + ": line lacks m, k, n, threads or gflops: " + line);
            figures.merge(key(f.get("m").intValue(), f.get("k").intValue(), f.get("n").intValue(), f.get("threads").intValue()),
                    f.get("gflops"), Math::max);
        }
        return figures;
    }

    private static String key(int m, int k, int n, int threads) {
        return m + "x" + k + "x" + n + "/" + threads;
    }
}
