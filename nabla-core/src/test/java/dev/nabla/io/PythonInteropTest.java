package dev.nabla.io;

import dev.nabla.io.SafeTensors.Storage;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Nabla writes, NumPy and PyTorch read: files written here are loaded by {@code oracle/check_io.py}
 * ({@code np.load}, and a spec-following safetensors reader into {@code torch.frombuffer}), and what
 * Python sees must be exactly what was written. Skipped when {@code /usr/bin/python3} with numpy and
 * torch is not there: the suite never needs Python.
 */
@Timeout(300)
class PythonInteropTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    private static Path script() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path s = p.resolve("oracle").resolve("check_io.py");
            if (Files.isRegularFile(s)) return s;
        }
        return null;
    }

    private static boolean pythonWorks() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) return false;
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import numpy, torch")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    /** Runs check_io.py on the files and returns its parsed report, keyed by file. */
    private Map<?, ?> check(List<Path> files) throws IOException, InterruptedException {
        Path script = script();
        assumeTrue(script != null, "oracle/check_io.py not found above " + Path.of("").toAbsolutePath());
        assumeTrue(pythonWorks(), "/usr/bin/python3 with numpy and torch is not available");
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        for (Path f : files) cmd.add(f.toString());
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "check_io.py hung");
        assertEquals(0, p.exitValue(), () -> "check_io.py failed:\n" + readQuietly(err));
        return (Map<?, ?>) Json.parse(new String(out, StandardCharsets.UTF_8));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** What a float32 reader of {@code storage} must see for {@code v}. */
    private static float stored(float v, Storage storage) {
        return switch (storage) {
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case BF16 -> FileIo.fromBfloat16(FileIo.toBfloat16(v));
            default -> v;
        };
    }

    private static void assertSeen(Map<?, ?> seen, Tensor t, Storage storage, String what) {
        assertEquals(Arrays.toString(t.shape()), Arrays.toString(IoFixtures.ints(seen.get("shape"))), what + ": shape");
        long[] values = IoFixtures.longs(seen.get("values"));
        assertEquals(t.numel(), values.length, what + ": numel");
        if (t.dtype() == DType.FLOAT32) {
            assertEquals("float", seen.get("kind"), what);
            float[] f = t.toFloatArray();
            for (int k = 0; k < f.length; k++) {
                int want = Float.floatToRawIntBits(stored(f[k], storage)), got = (int) values[k];
                if (Float.isNaN(Float.intBitsToFloat(want))) assertTrue(Float.isNaN(Float.intBitsToFloat(got)), what + " element " + k);
                else assertEquals(want, got, what + " element " + k + " (" + f[k] + ")");
            }
        } else {
            assertEquals("int", seen.get("kind"), what);
            assertArrayEquals(t.toLongArray(), values, what);
        }
    }

    private static Tensor sample(Generator g) {
        Tensor t = Tensor.randn(g, 3, 4).mul(100f);
        float[] v = t.toFloatArray();
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE,
                Float.MAX_VALUE, 65504f, 65520f, 1.00390625f, 3e-8f, -1e-40f};
        System.arraycopy(special, 0, v, 0, special.length);
        return Tensor.of(v, 4, 3);
    }

    @Test
    void numpyLoadsWhatNablaWrites() throws Exception {
        Generator g = new Generator(11);
        Map<Path, Tensor> written = new LinkedHashMap<>();
        written.put(dir.resolve("special.npy"), sample(g));
        written.put(dir.resolve("view.npy"), Tensor.randn(g, 2, 3, 4).permute(2, 0, 1));
        written.put(dir.resolve("longs.npy"), Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 7}, 2, 1, 3));
        written.put(dir.resolve("scalar.npy"), Tensor.scalar(-0.5f));
        written.put(dir.resolve("empty.npy"), Tensor.zeros(0, 3));
        written.put(dir.resolve("empty_i8.npy"), Tensor.zeros(DType.INT64, 4, 0));
        written.put(dir.resolve("long_axis.npy"), Tensor.arange(1234567));
        for (var e : written.entrySet()) Npy.write(e.getKey(), e.getValue());
        Map<?, ?> report = check(new ArrayList<>(written.keySet()));
        for (var e : written.entrySet()) {
            Map<?, ?> file = (Map<?, ?>) report.get(e.getKey().toString());
            Map<?, ?> seen = (Map<?, ?>) ((Map<?, ?>) file.get("tensors")).get("");
            assertEquals(e.getValue().dtype() == DType.FLOAT32 ? "<f4" : "<i8", seen.get("dtype"));
            assertSeen(seen, e.getValue(), Storage.F32, e.getKey().getFileName().toString());
        }
    }

    @Test
    void torchLoadsWhatNablaWrites() throws Exception {
        Generator g = new Generator(12);
        Map<String, Tensor> floats = new LinkedHashMap<>();
        floats.put("special", sample(g));
        floats.put("weight.view", Tensor.randn(g, 5, 6).t());
        floats.put("empty", Tensor.zeros(2, 0));
        floats.put("scalar", Tensor.scalar(1e-3f));
        Map<String, Tensor> ints = new LinkedHashMap<>();
        ints.put("labels", Tensor.ofLongs(new long[] {0, 1, 1, 0, 1, 1}, 2, 3));
        Map<String, String> meta = Map.of("format", "pt", "note", "\u00e9t\u00e9 \u2713");
        List<Path> files = new ArrayList<>();
        Map<Path, Storage> floatStorage = new LinkedHashMap<>(), intStorage = new LinkedHashMap<>();
        for (Storage fs : List.of(Storage.F32, Storage.F16, Storage.BF16, Storage.F64)) {
            Storage is = switch (fs) {
                case F32 -> Storage.I64;
                case F16 -> Storage.I32;
                case BF16 -> Storage.U8;
                default -> Storage.BOOL;
            };
            Path p = dir.resolve(fs + "_" + is + ".safetensors");
            Map<String, Tensor> all = new LinkedHashMap<>(floats);
            all.putAll(ints);
            SafeTensors.write(p, all, meta, (n, t) -> t.dtype() == DType.FLOAT32 ? fs : is);
            files.add(p);
            floatStorage.put(p, fs);
            intStorage.put(p, is);
        }
        Path wide = dir.resolve("wide.safetensors");
        SafeTensors.write(wide, Map.of("i16", Tensor.ofLongs(new long[] {-32768, 32767}), "i8", Tensor.ofLongs(new long[] {-128, 127})),
                Map.of(), (n, t) -> n.equals("i16") ? Storage.I16 : Storage.I8);
        List<Path> all = new ArrayList<>(files);
        all.add(wide);
        Map<?, ?> report = check(all);
        for (Path p : files) {
            Map<?, ?> file = (Map<?, ?>) report.get(p.toString());
            assertEquals(meta, file.get("metadata"));
            Map<?, ?> tensors = (Map<?, ?>) file.get("tensors");
            for (var e : floats.entrySet()) {
                Map<?, ?> seen = (Map<?, ?>) tensors.get(e.getKey());
                assertEquals(floatStorage.get(p).name(), seen.get("dtype"));
                assertSeen(seen, e.getValue(), floatStorage.get(p), p.getFileName() + "/" + e.getKey());
            }
            Map<?, ?> labels = (Map<?, ?>) tensors.get("labels");
            assertEquals(intStorage.get(p).name(), labels.get("dtype"));
            assertSeen(labels, ints.get("labels"), intStorage.get(p), p.getFileName() + "/labels");
        }
        Map<?, ?> w = (Map<?, ?>) ((Map<?, ?>) report.get(wide.toString())).get("tensors");
        assertEquals(List.of(-32768L, 32767L), ((Map<?, ?>) w.get("i16")).get("values"));
        assertEquals(List.of(-128L, 127L), ((Map<?, ?>) w.get("i8")).get("values"));
    }
}
