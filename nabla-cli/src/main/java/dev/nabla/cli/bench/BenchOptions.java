package dev.nabla.cli.bench;

/** What `nabla bench` was asked for; null means the workload's default. */
public record BenchOptions(int threads, Integer epochs, Integer steps, int warmup, long seed, int[] gemmSizes, double gemmSeconds,
                           Integer limit, java.nio.file.Path text) {
    public BenchOptions {
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (epochs != null && epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (steps != null && steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        if (!(gemmSeconds > 0)) throw new IllegalArgumentException("--gemm-seconds must be positive, got " + gemmSeconds);
        if (limit != null && limit < 1) throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
        for (int n : gemmSizes) if (n < 1) throw new IllegalArgumentException("--gemm-sizes must be positive, got " + n);
    }
}
