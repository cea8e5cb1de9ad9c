package dev.nabla.cli;

import dev.nabla.cli.bench.BenchOptions;
import dev.nabla.cli.bench.Workloads;
import dev.nabla.io.Json;
import dev.nabla.kernel.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code nabla bench WORKLOAD}: one reference workload, one JSON line on stdout (progress on stderr). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a reference workload (shared/WORKLOADS.md) and print one JSON line, keyed as peers/pytorch_bench.py.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Workload: linreg, mlp, cnn, gpt, lstm, gemm.")
    String workload;

    @Option(names = "--threads", defaultValue = "2", description = "Kernel threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--epochs", description = "Epochs (linreg 1000).")
    Integer epochs;

    @Option(names = "--steps", description = "Training steps (gpt, lstm).")
    Integer steps;

    @Option(names = "--warmup", defaultValue = "20", description = "Steps left out of tokens/s (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--gemm-sizes", defaultValue = "256,512,1024,2048", split = ",")
    int[] gemmSizes;

    @Option(names = "--gemm-seconds", defaultValue = "2.0", description = "Target timed seconds per gemm point.")
    double gemmSeconds;

    @Option(names = "--limit", description = "Use only the first N training and test examples (smoke runs).")
    Integer limit;

    @Option(names = "--text", description = "Text file for gpt/lstm (default: the common-licenses corpus of shared/WORKLOADS.md).")
    Path text;

    @Option(names = "--tag", description = "Free-form label copied into the JSON line.")
    String tag;

    @Option(names = {"--json", "--out"}, description = "Also append the JSON line to this file.")
    Path json;

    @Override
    public Integer call() throws IOException {
        BenchOptions o = new BenchOptions(threads, epochs, steps, warmup, seed, gemmSizes, gemmSeconds, limit, text);
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        long t0 = System.nanoTime();
        Map<String, Object> res;
        try {
            res = Workloads.run(workload, o);
        } finally {
            Parallel.setThreads(saved);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("peer", "nabla");
        line.put("workload", workload);
        if (tag != null) line.put("tag", tag);
        line.putAll(res);
        line.put("wall_s", wall);
        line.put("peak_rss_mib", peakRssMib());
        line.put("date", ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ")));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        meta.put("threads", threads);
        meta.put("ncpu", Runtime.getRuntime().availableProcessors());
        meta.put("seed", seed);
        meta.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
        meta.put("args", Arrays.asList(workload));
        line.put("meta", meta);
        String s = Json.write(line);
        System.out.println(s);
        if (json != null)
            Files.writeString(json, s + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return 0;
    }

    /** The process's peak resident set (VmHWM), as the PyTorch script's ru_maxrss. */
    static Double peakRssMib() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status")))
                if (l.startsWith("VmHWM:")) return (double) Long.parseLong(l.replaceAll("\\D", "")) / 1024.0;
        } catch (IOException | NumberFormatException ignored) {
            // not Linux: no figure
        }
        return null;
    }
}
