package dev.nabla.bench;

import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Parallel;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * {@link Gemm#sgemm} on row-major operands. Besides the time per call, JMH reports the secondary
 * counter {@code gflop} as a rate, which is GFLOPS directly.
 *
 * <pre>java -jar nabla-bench/target/benchmarks.jar GemmBenchmark -p shape=1024 -p threads=1</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages", "-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class GemmBenchmark {
    /** N for an N×N×N product, or M×K×N. */
    @Param({"64", "128", "256", "512", "1024", "2048", "64x784x64", "64x64x784", "128x3136x128", "4096x128x512"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private GemmShape s;
    private float[] a, b, c;
    private int previousThreads;

    /** Counts the floating-point work done, so that JMH prints it per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public double gflop;
    }

    @Setup(Level.Trial)
    public void setUp() {
        s = GemmShape.parse(shape);
        a = s.a();
        b = s.b();
        c = s.c();
        previousThreads = Parallel.threads();
        Parallel.setThreads(threads);
    }

    @org.openjdk.jmh.annotations.TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(previousThreads);
    }

    @Benchmark
    public float[] sgemm(Work work) {
        Gemm.sgemm(s.m(), s.n(), s.k(), a, 0, s.k(), 1, b, 0, s.n(), 1, c, 0, s.n(), false);
        work.gflop += s.flops() * 1e-9;
        return c;
    }
}
