package dev.nabla.bench;

import dev.nabla.autograd.NoGrad;
import dev.nabla.kernel.Parallel;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The two convolutions of the reference CNN on a batch of 64: 3×3 kernels, stride 1, padding 1.
 * {@code forward} runs without recording a graph; {@code forwardBackward} is one training step's share
 * (forward, then the gradients of input, weight and bias).
 *
 * <pre>java -jar nabla-bench/target/benchmarks.jar Conv2dBenchmark -p layer=conv2 -p threads=2</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages", "-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class Conv2dBenchmark {
    /** conv1: 1 → 32 channels on 28×28; conv2: 32 → 64 channels on 14×14. */
    @Param({"conv1", "conv2"})
    public String layer;

    @Param({"1", "2"})
    public int threads;

    private static final int BATCH = 64;
    private Tensor x, w, bias;
    private int previousThreads;

    @Setup(Level.Trial)
    public void setUp() {
        int cin, cout, hw;
        switch (layer) {
            case "conv1" -> { cin = 1; cout = 32; hw = 28; }
            case "conv2" -> { cin = 32; cout = 64; hw = 14; }
            default -> throw new IllegalArgumentException("layer must be conv1 or conv2, got " + layer);
        }
        var gen = new Generator(42);
        x = Tensor.randn(gen, BATCH, cin, hw, hw).requiresGrad(true);
        w = Tensor.randn(gen, cout, cin, 3, 3).requiresGrad(true);
        bias = Tensor.randn(gen, cout).requiresGrad(true);
        previousThreads = Parallel.threads();
        Parallel.setThreads(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Parallel.setThreads(previousThreads);
    }

    @Benchmark
    public Tensor forward() {
        try (var _ = NoGrad.enter()) {
            return Functional.conv2d(x, w, bias, 1, 1);
        }
    }

    @Benchmark
    public Tensor forwardBackward() {
        x.setGrad(null);
        w.setGrad(null);
        bias.setGrad(null);
        Functional.conv2d(x, w, bias, 1, 1).sum().backward();
        return w.grad();
    }
}
