package dev.nabla.io;

import dev.nabla.io.SafeTensors.Storage;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.nabla.io.IoFixtures.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void readsWhatTorchWrote() throws IOException {
        Map<String, Object> exp = IoFixtures.section("safetensors");
        SafeTensors st = SafeTensors.read(IoFixtures.path("tensors.safetensors"));
        assertEquals(exp.get("order"), List.copyOf(st.tensors().keySet()), "the header's order is kept");
        assertEquals(exp.get("metadata"), st.metadata());
        Map<?, ?> tensors = (Map<?, ?>) exp.get("tensors");
        for (var e : tensors.entrySet()) {
            String name = (String) e.getKey();
            Map<?, ?> t = (Map<?, ?>) e.getValue();
            IoFixtures.assertTensor(t, st.get(name), name);
            assertEquals(Storage.valueOf((String) t.get("dtype")), st.dtypes().get(name), name);
        }
        assertEquals(0, st.get("scalar.f32").rank());
        assertEquals(2.5f, st.get("scalar.f32").item());
        assertTrue(st.toString().contains("h.f16: F16[5]"), st.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.get("nope"));
        assertTrue(e.getMessage().contains("w.f32"));
    }

    @Test
    void readsTheOracleFixtures() throws IOException, URISyntaxException {
        // the elementwise oracle is written by oracle/fixture.py; the strict reader must accept it
        SafeTensors st = SafeTensors.read(Path.of(SafeTensorsTest.class.getResource("/fixtures/elementwise.safetensors").toURI()));
        assertFalse(st.tensors().isEmpty());
        assertTrue(st.metadata().containsKey("cases"));
    }

    /** The float16 / bfloat16 writers round exactly as PyTorch's .half() and .bfloat16() do. */
    @Test
    void halfPrecisionRoundingMatchesTorch() throws IOException {
        Map<String, Object> c = IoFixtures.section("convert");
        long[] bits = IoFixtures.longs(c.get("f32"));
        float[] f = new float[bits.length + 1];
        for (int k = 0; k < bits.length; k++) f[k] = Float.intBitsToFloat((int) bits[k]);
        f[bits.length] = Float.NaN;
        Tensor t = Tensor.of(f, f.length);
        for (String which : List.of("f16", "bf16")) {
            Path p = dir.resolve(which + ".safetensors");
            SafeTensors.write(p, Map.of("x", t), Map.of(), which.equals("f16") ? Storage.F16 : Storage.BF16);
            byte[] raw = Files.readAllBytes(p);
            long headerLen = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + headerLen) % 8, "the data section is 8-byte aligned");
            ByteBuffer data = ByteBuffer.wrap(raw, (int) (8 + headerLen), 2 * f.length).order(ByteOrder.LITTLE_ENDIAN);
            long[] want = IoFixtures.longs(c.get(which));
            for (int k = 0; k < want.length; k++) {
                int got = data.getShort() & 0xFFFF;
                int kk = k;
                assertEquals(want[k], got, () -> which + " of 0x" + Long.toHexString(bits[kk]) + " (" + f[kk] + ")");
            }
            // PyTorch's NaN bits differ between its scalar and vectorised paths; any NaN will do
            int nan = data.getShort() & 0xFFFF;
            assertTrue(Float.isNaN(which.equals("bf16") ? FileIo.fromBfloat16((short) nan) : Float.float16ToFloat((short) nan)));
            Tensor back = SafeTensors.read(p).get("x");
            assertTrue(Float.isNaN(back.get(f.length - 1)));
        }
    }

    @Test
    void writesEveryStorageAndReadsItBack() throws IOException {
        float[] fv = {0f, -0f, 1.5f, -2.75f, 1e-3f, 3.3333333f, 65504f, 1e20f, Float.NEGATIVE_INFINITY, 7e-8f};
        Tensor f = Tensor.of(fv, 2, 5);
        for (Storage s : List.of(Storage.F32, Storage.F64, Storage.F16, Storage.BF16)) {
            Path p = dir.resolve("f.safetensors");
            SafeTensors.write(p, Map.of("x", f), Map.of("k", "v"), (n, t) -> s);
            SafeTensors back = SafeTensors.read(p);
            assertEquals(s, back.dtypes().get("x"));
            assertEquals(Map.of("k", "v"), back.metadata());
            Tensor x = back.get("x");
            assertArrayEquals(new int[] {2, 5}, x.shape());
            for (int k = 0; k < fv.length; k++) {
                float want = switch (s) {
                    case F16 -> Float.float16ToFloat(Float.floatToFloat16(fv[k]));
                    case BF16 -> FileIo.fromBfloat16(FileIo.toBfloat16(fv[k]));
                    default -> fv[k];
                };
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(x.toFloatArray()[k]), s + " element " + k);
            }
        }
        assertEquals(1.0f, FileIo.fromBfloat16(FileIo.toBfloat16(1.00390625f)), "a tie rounds to the even neighbour");
        assertEquals(1.015625f, FileIo.fromBfloat16(FileIo.toBfloat16(1.01171875f)), "a tie rounds to the even neighbour");

        long[] lv = {0, 1, 0, 1, 1, 0};
        Tensor l = Tensor.ofLongs(lv, 3, 2);
        for (Storage s : List.of(Storage.I64, Storage.I32, Storage.I16, Storage.I8, Storage.U32, Storage.U16, Storage.U8, Storage.BOOL)) {
            Path p = dir.resolve("l.safetensors");
            SafeTensors.write(p, Map.of("y", l), null, (n, t) -> s);
            SafeTensors back = SafeTensors.read(p);
            assertEquals(s, back.dtypes().get("y"));
            assertEquals(DType.INT64, back.get("y").dtype());
            assertArrayEquals(lv, back.get("y").toLongArray(), s.name());
            assertEquals(6L * s.byteSize(), Files.size(p) - 8 - headerLength(p));
        }
        Tensor extremes = Tensor.ofLongs(new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE, -1});
        Path p = dir.resolve("i32.safetensors");
        SafeTensors.write(p, Map.of("e", extremes), Map.of(), Storage.I32);
        assertArrayEquals(extremes.toLongArray(), SafeTensors.read(p).get("e").toLongArray());
    }

    @Test
    void oneStorageAppliesToTensorsOfItsKind() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.of(new float[] {1, 2, 3}, 3));
        m.put("idx", Tensor.ofLongs(new long[] {4, 5}, 2));
        Path p = dir.resolve("m.safetensors");
        SafeTensors.write(p, m, Map.of(), Storage.BF16);
        assertEquals(Map.of("w", Storage.BF16, "idx", Storage.I64), SafeTensors.read(p).dtypes());
        SafeTensors.write(p, m, Map.of(), Storage.I32);
        SafeTensors back = SafeTensors.read(p);
        assertEquals(Map.of("w", Storage.F32, "idx", Storage.I32), back.dtypes());
        assertEquals(List.of("w", "idx"), List.copyOf(back.tensors().keySet()));
        SafeTensors.write(p, m, Map.of());
        assertEquals(Map.of("w", Storage.F32, "idx", Storage.I64), SafeTensors.read(p).dtypes());
        // and a file read can be written back in its own dtypes
        SafeTensors half = SafeTensors.read(IoFixtures.path("tensors.safetensors"));
        SafeTensors.write(p, half.tensors(), half.metadata(), (n, t) -> half.dtypes().get(n));
        byte[] theirs = Files.readAllBytes(IoFixtures.path("tensors.safetensors")), ours = Files.readAllBytes(p);
        int dataStart = (int) (8 + headerLength(p));
        assertArrayEquals(java.util.Arrays.copyOf(theirs, dataStart), java.util.Arrays.copyOf(ours, dataStart),
                "the same header, byte for byte");
        SafeTensors again = SafeTensors.read(p);
        assertEquals(half.dtypes(), again.dtypes());
        for (String n : half.tensors().keySet())
            assertArrayEquals(half.get(n).toFloatArray(), again.get(n).toFloatArray(), n);
    }

    @Test
    void writesViewsAndEmptyAndScalarTensors() throws IOException {
        Tensor base = Tensor.arange(0, 12, 1).reshape(3, 4);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("t", base.t());                  // non-contiguous
        m.put("row", base.select(0, 2));       // contiguous with an offset
        m.put("empty", Tensor.zeros(0, 5));
        m.put("scalar", Tensor.scalar(-4f));
        m.put("lview", Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3).slice(1, 0, 3, 2));
        Path p = dir.resolve("v.safetensors");
        SafeTensors.write(p, m, Map.of());
        SafeTensors back = SafeTensors.read(p);
        for (var e : m.entrySet()) {
            Tensor got = back.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            if (got.dtype() == DType.FLOAT32) assertArrayEquals(e.getValue().toFloatArray(), got.toFloatArray(), e.getKey());
            else assertArrayEquals(e.getValue().toLongArray(), got.toLongArray(), e.getKey());
        }
    }

    @Test
    void writeErrorsLeaveNothingBehind() throws IOException {
        Path p = dir.resolve("x.safetensors");
        Tensor big = Tensor.ofLongs(new long[] {1, 1L << 40});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, Map.of("big", big), Map.of(), Storage.I32));
        assertTrue(e.getMessage().contains("1099511627776") && e.getMessage().contains("big"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, Map.of("f", Tensor.of(new float[] {1})), Map.of(), (n, t) -> Storage.I32));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, Map.of("__metadata__", Tensor.of(new float[] {1})), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(p, Map.of("b", Tensor.ofLongs(new long[] {2})), Map.of(), Storage.BOOL));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
        Files.writeString(p, "old");
        SafeTensors.write(p, Map.of("a", Tensor.of(new float[] {1})), Map.of());
        assertEquals(1f, SafeTensors.read(p).get("a").item());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    // ---------------------------------------------------------------- hostile headers

    /** A file with this header text (as given, unpadded) and data. */
    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.array();
    }

    private void rejects(byte[] content, String fragment) throws IOException {
        Path p = dir.resolve("hostile.safetensors");
        Files.write(p, content);
        String msg = assertRejected(p, () -> SafeTensors.read(p));
        assertTrue(msg.contains(fragment), () -> "expected '" + fragment + "' in: " + msg);
    }

    @Test
    void hostileHeaders() throws IOException {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        rejects(file("{" + a + "}", 0), "outside the 0-byte data section");
        rejects(file("{" + a + "}", 12), "trailing bytes");
        rejects(file("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16), "(the format forbids holes)");
        rejects(file("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps tensor 'a'");
        rejects(file("{" + a + "," + a + "}", 8), "twice");
        rejects(file(" {" + a + "}", 8), "start with '{'");
        rejects(file("[1]", 8), "start with '{'");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12");
        rejects(file("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "does not read");
        rejects(file("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8), "does not read");
        rejects(file("{\"a\":{\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "no string \"dtype\"");
        rejects(file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "no string \"dtype\"");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "no \"shape\"");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8), "data_offsets");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", 8), "data_offsets");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "outside");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "outside");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", 8), "64-bit range");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", 8), "outside");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "invalid shape");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "invalid shape");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", 8), "invalid shape");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8), "2^31");
        rejects(file("{\"a\":{\"dtype\":\"I64\",\"shape\":[2147483647,2147483647,2147483647,4],\"data_offsets\":[0,8]}}", 8), "2^31");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,2147483647,2147483647],\"data_offsets\":[0,0]}}", 0), "2^31");
        rejects(file("{\"a\":5}", 0), "not a JSON object");
        rejects(file("{\"__metadata__\":{\"k\":1}}", 0), "not a string");
        rejects(file("{\"__metadata__\":{\"k\":null}}", 0), "not a string");
        rejects(file("{\"__metadata__\":[\"k\"]}", 0), "__metadata__ is not a JSON object");
        rejects(file("{\"a\":" + "[".repeat(200) + "]".repeat(200) + "}", 0), "deeper");
        rejects(file("{\"a\":\"\\u+123\"}", 0), "\\u escape");
        rejects(file("{\"a\":1e999}", 0), "double range");
        rejects(file("{" + a, 8), "not valid JSON");
        byte[] notUtf8 = "{\"a\u00FF\":{}}".getBytes(StandardCharsets.ISO_8859_1);
        rejects(file(notUtf8, 0), "UTF-8");
        rejects(new byte[] {1, 0, 0}, "too short");
        byte[] ok = file("{" + a + "}", 8);
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40); // a header of a terabyte
        rejects(ok, "1099511627776");
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1); // "negative"
        rejects(ok, "18446744073709551615");
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000); // past the end, under the cap
        rejects(ok, "truncated");
        // valid corner cases are accepted: an empty header, empty tensors anywhere in the order
        Path p = dir.resolve("ok.safetensors");
        Files.write(p, file("{}", 0));
        assertTrue(SafeTensors.read(p).tensors().isEmpty());
        Files.write(p, file("{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}," + a
                + ",\"z\":{\"dtype\":\"BF16\",\"shape\":[3,0],\"data_offsets\":[0,0]}}   ", 8));
        SafeTensors st = SafeTensors.read(p);
        assertEquals(List.of("e", "a", "z"), List.copyOf(st.tensors().keySet()));
        assertArrayEquals(new int[] {3, 0}, st.get("z").shape());
    }

    @Test
    void aDirectoryOrAMissingFileIsNamed() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("a-directory.safetensors"));
        assertRejected(sub, () -> SafeTensors.read(sub));
        assertRejected(sub, () -> Npy.read(sub));
        assertRejected(sub, () -> Idx.read(sub));
        Path missing = dir.resolve("missing.bin");
        assertRejected(missing, () -> SafeTensors.read(missing));
        assertRejected(missing, () -> Npy.read(missing));
        assertRejected(missing, () -> Idx.read(missing));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SafeTensors(
                Map.of("x", Tensor.of(new float[] {1})), Map.of(), Map.of("x", Storage.I32)));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    private static long headerLength(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }
}
