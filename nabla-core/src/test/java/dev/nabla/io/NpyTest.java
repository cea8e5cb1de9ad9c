package dev.nabla.io;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.nabla.io.IoFixtures.assertRejected;
import static dev.nabla.io.IoFixtures.assertTensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class NpyTest {
    @TempDir
    Path dir;

    /** Every array numpy.save wrote reads back with numpy's values, bit for bit. */
    @TestFactory
    Stream<DynamicTest> readsWhatNumpyWrote() {
        return IoFixtures.section("npy").entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () ->
                assertTensor((Map<?, ?>) e.getValue(), Npy.read(IoFixtures.path(e.getKey())), e.getKey())));
    }

    @Test
    void fixtureCoverage() {
        // the formats the task names are all among the fixtures
        for (String name : List.of("f4_2x3.npy", "f8.npy", "i8.npy", "i4.npy", "u1.npy", "i1.npy", "b1.npy", "scalar.npy",
                "empty.npy", "fortran_f4.npy", "v2.npy", "v3.npy", "be_f4.npy"))
            assertTrue(IoFixtures.section("npy").containsKey(name), name);
    }

    @Test
    void shapesOfSpecialArrays() throws IOException {
        Tensor s = Npy.read(IoFixtures.path("scalar.npy"));
        assertEquals(0, s.rank());
        assertEquals(3.25f, s.item());
        Tensor e = Npy.read(IoFixtures.path("empty.npy"));
        assertArrayEquals(new int[] {0, 3}, e.shape());
        Tensor f = Npy.read(IoFixtures.path("fortran_f4.npy"));
        assertArrayEquals(new int[] {2, 3, 4}, f.shape());
        assertEquals(1 * 12 + 2 * 4 + 3, f.get(1, 2, 3)); // np.arange(24).reshape(2,3,4) in C order
        Tensor i = Npy.read(IoFixtures.path("fortran_i8.npy"));
        assertEquals(5 * 10 - 7, i.getLong(1, 2));
    }

    @Test
    void rejectsWhatInt64CannotHoldAndStructuredDtypes() {
        assertTrue(assertRejected(IoFixtures.path("u8_big.npy"), () -> Npy.read(IoFixtures.path("u8_big.npy")))
                .contains("18446744073709551615"));
        assertTrue(assertRejected(IoFixtures.path("structured.npy"), () -> Npy.read(IoFixtures.path("structured.npy")))
                .contains("structured"));
    }

    /** The writer reproduces numpy.save's bytes exactly (header layout, growth padding, alignment, data). */
    @TestFactory
    Stream<DynamicTest> writesWhatNumpySaveWrites() {
        return IoFixtures.section("npy_bytes").entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Map<?, ?> exp = (Map<?, ?>) e.getValue();
            int[] shape = IoFixtures.ints(exp.get("shape"));
            long[] v = IoFixtures.longs(exp.get("values"));
            Tensor t;
            if (exp.get("kind").equals("float")) {
                float[] f = new float[v.length];
                for (int k = 0; k < f.length; k++) f[k] = Float.intBitsToFloat((int) v[k]);
                t = Tensor.of(f, shape);
            } else {
                t = Tensor.ofLongs(v, shape);
            }
            Path out = dir.resolve(e.getKey());
            Npy.write(out, t);
            assertArrayEquals(Files.readAllBytes(IoFixtures.path(e.getKey())), Files.readAllBytes(out));
        }));
    }

    @Test
    void roundTripsViewsAndReplacesAtomically() throws IOException {
        Tensor base = Tensor.arange(0, 24, 1).reshape(2, 3, 4);
        Tensor view = base.permute(2, 0, 1).slice(0, 1, 4, 2); // non-contiguous, with an offset
        Path p = dir.resolve("view.npy");
        Npy.write(p, view);
        Tensor back = Npy.read(p);
        assertArrayEquals(view.shape(), back.shape());
        assertArrayEquals(view.toFloatArray(), back.toFloatArray());

        Tensor longs = Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE, 5, 6}, 3, 2).t();
        Npy.write(p, longs); // replaces the file
        Tensor lb = Npy.read(p);
        assertEquals(DType.INT64, lb.dtype());
        assertArrayEquals(new int[] {2, 3}, lb.shape());
        assertArrayEquals(longs.toLongArray(), lb.toLongArray());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void headerLiteralVariants() throws IOException {
        // what other writers (or hand edits) produce: double quotes, other key order, no trailing comma, 3L, spaces
        String[] headers = {
                "{\"shape\": (2, 2), \"fortran_order\": False, \"descr\": \"<f4\"}",
                "{'descr':'<f4','fortran_order':False,'shape':(2L,2L)}",
                "  {  'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 2 , ) , }  ",
        };
        for (String h : headers) {
            Path p = dir.resolve("h.npy");
            Files.write(p, npy(1, h, floats(1, 2, 3, 4)));
            Tensor t = Npy.read(p);
            assertArrayEquals(new int[] {2, 2}, t.shape(), h);
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray(), h);
        }
    }

    @Test
    void hostileHeaders() throws IOException {
        byte[] four = floats(1, 2, 3, 4);
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{'descr': '<f4', 'fortran_order': False}", "exactly the keys");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}", "exactly the keys");
        cases.put("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", "twice");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2]}", "not a tuple");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", "not a tuple");
        cases.put("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,)}", "fortran_order");
        cases.put("{'descr': '<c8', 'fortran_order': False, 'shape': (4,)}", "not supported");
        cases.put("{'descr': '|f4', 'fortran_order': False, 'shape': (4,)}", "not supported");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", "invalid size");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 2)}", "only integers");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "out of range");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536)}", "2^31");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2147483647, 2147483647)}", "2^31");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (5,)}", "truncated");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "bytes after");
        cases.put("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), ", "ends inside a dict");
        cases.put("{'descr': '<f4' 'fortran_order': False, 'shape': (4,)}", "expected ','");
        cases.put("{'descr' '<f4', 'fortran_order': False, 'shape': (4,)}", "expected ':'");
        cases.put("{'descr': __import__('os'), 'fortran_order': False, 'shape': (4,)}", "unknown name");
        cases.put("(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((", "nesting");
        cases.put("", "ends early");
        for (var c : cases.entrySet()) {
            Path p = dir.resolve("bad.npy");
            Files.write(p, npy(1, c.getKey(), four));
            String msg = assertRejected(p, () -> Npy.read(p));
            assertTrue(msg.contains(c.getValue()), () -> c.getKey() + " gave: " + msg);
        }
        Path p = dir.resolve("bad.npy");
        byte[] good = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", four);
        byte[] v = good.clone();
        v[6] = 4; // version 4.0
        Files.write(p, v);
        assertTrue(assertRejected(p, () -> Npy.read(p)).contains("version 4.0"));
        v = good.clone();
        v[0] = 'X';
        Files.write(p, v);
        assertTrue(assertRejected(p, () -> Npy.read(p)).contains("magic"));
        v = good.clone();
        v[8] = (byte) 0xFF;
        v[9] = (byte) 0xFF; // header length 65535, past the end
        Files.write(p, v);
        assertTrue(assertRejected(p, () -> Npy.read(p)).contains("65535"));
        v = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", four);
        ByteBuffer.wrap(v, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1); // 4 GB header in a v2 file
        Files.write(p, v);
        assertTrue(assertRejected(p, () -> Npy.read(p)).contains("4294967295"));
        byte[] latin = npy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", four);
        latin[20] = (byte) 0xE9; // not UTF-8, in a version 3.0 (UTF-8) header
        Files.write(p, latin);
        assertTrue(assertRejected(p, () -> Npy.read(p)).contains("UTF-8"));
        Path missing = dir.resolve("missing.npy");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Npy.read(missing));
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    /** An NPY file with the given version, header text (padded to 64 with a newline) and data bytes. */
    static byte[] npy(int version, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int prefix = version == 1 ? 10 : 12;
        int len = h.length + 1;
        len += (64 - (prefix + len) % 64) % 64;
        ByteBuffer b = ByteBuffer.allocate(prefix + len + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) b.putShort((short) len);
        else b.putInt(len);
        b.put(h);
        while (b.position() < prefix + len - 1) b.put((byte) ' ');
        b.put((byte) '\n').put(data);
        return b.array();
    }
}
