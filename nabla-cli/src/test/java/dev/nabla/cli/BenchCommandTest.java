package dev.nabla.cli;

import dev.nabla.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Smoke runs of `nabla bench` on tiny settings: the JSON line carries the PyTorch script's keys. */
class BenchCommandTest {
    @Test
    void linregAndGemmWriteOneJsonLineEach(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench.jsonl");
        assertEquals(0, Main.run("bench", "linreg", "--epochs", "20", "--json", out.toString()));
        assertEquals(0, Main.run("bench", "gemm", "--gemm-sizes", "8,33", "--gemm-seconds", "0.01", "--json", out.toString()));
        var lines = Files.readAllLines(out);
        assertEquals(2, lines.size());
        @SuppressWarnings("unchecked") Map<String, Object> lin = (Map<String, Object>) Json.parse(lines.get(0));
        assertEquals("linreg", lin.get("workload"));
        assertEquals(20L, lin.get("epochs"));
        double initial = (Double) lin.get("mse_initial"), fin = (Double) lin.get("mse_final");
        assertTrue(fin < initial, lines.get(0));
        assertTrue((Double) lin.get("epochs_per_s") > 0 && (Double) lin.get("peak_rss_mib") > 0, lines.get(0));
        @SuppressWarnings("unchecked") Map<String, Object> gemm = (Map<String, Object>) Json.parse(lines.get(1));
        @SuppressWarnings("unchecked") Map<String, Object> gf = (Map<String, Object>) gemm.get("gflops");
        assertEquals(java.util.Set.of("t1_n8", "t1_n33", "t2_n8", "t2_n33"), gf.keySet());
        assertEquals("java", gemm.get("blas"), "the tests run the pure-Java kernel unless NABLA_BLAS says otherwise");
    }

    @Test
    void mlpAndCnnRunOnASliceOfFashionMnist(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isRegularFile(Path.of("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")),
                "Debian's dataset-fashion-mnist is not installed");
        Path out = dir.resolve("b.jsonl");
        assertEquals(0, Main.run("bench", "mlp", "--epochs", "2", "--limit", "2000", "--json", out.toString()));
        assertEquals(0, Main.run("bench", "cnn", "--epochs", "1", "--limit", "300", "--json", out.toString()));
        var lines = Files.readAllLines(out);
        @SuppressWarnings("unchecked") Map<String, Object> mlp = (Map<String, Object>) Json.parse(lines.get(0));
        assertEquals(2000L, mlp.get("train_samples"));
        assertEquals(55050L, mlp.get("params"), "784·64+64 + 64·64+64 + 64·10+10, as PyTorch counts");
        assertTrue((Double) mlp.get("test_acc") > 0.6, "two epochs on 2000 images already learn: " + lines.get(0));
        @SuppressWarnings("unchecked") Map<String, Object> cnn = (Map<String, Object>) Json.parse(lines.get(1));
        assertEquals(421642L, cnn.get("params"));
        assertTrue((Double) cnn.get("samples_per_s") > 0);
    }

    @Test
    void unknownWorkloadIsAOneLineError() {
        var err = new java.io.ByteArrayOutputStream();
        var old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            assertEquals(1, Main.run("bench", "resnet"));
        } finally {
            System.setErr(old);
        }
        assertTrue(err.toString().startsWith("nabla: unknown workload 'resnet'; available: [linreg, mlp, cnn, gpt, lstm, gemm]"), err.toString());
    }
}
