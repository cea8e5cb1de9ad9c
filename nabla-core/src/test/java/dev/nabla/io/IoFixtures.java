package dev.nabla.io;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The files {@code oracle/gen_io.py} wrote with NumPy and PyTorch, and the values they must read as. */
final class IoFixtures {
    private static Map<String, Object> expected;

    private IoFixtures() {}

    static Path path(String name) {
        URL url = IoFixtures.class.getResource("/fixtures/io/" + name);
        if (url == null) throw new IllegalStateException("fixture io/" + name + " is missing; run /usr/bin/python3 oracle/gen_io.py");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static synchronized Map<String, Object> expected() {
        if (expected == null) {
            try {
                expected = (Map<String, Object>) Json.parse(Files.readString(path("expected.json")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return expected;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> section(String name) {
        return (Map<String, Object>) expected().get(name);
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> (int) (long) (Long) o).toArray();
    }

    static long[] longs(Object list) {
        return ((List<?>) list).stream().mapToLong(o -> (Long) o).toArray();
    }

    /** Asserts that {@code t} has the recorded shape, kind and exact values (floats bit for bit). */
    static void assertTensor(Map<?, ?> exp, Tensor t, String what) {
        assertEquals(java.util.Arrays.toString(ints(exp.get("shape"))), java.util.Arrays.toString(t.shape()), what + ": shape");
        long[] values = longs(exp.get("values"));
        assertEquals(values.length, t.numel(), what + ": numel");
        if (exp.get("kind").equals("float")) {
            assertEquals(DType.FLOAT32, t.dtype(), what + ": dtype");
            float[] got = t.toFloatArray();
            for (int k = 0; k < values.length; k++)
                if ((int) values[k] != Float.floatToRawIntBits(got[k]))
                    fail(what + ": element " + k + " is " + got[k] + " (bits 0x" + Integer.toHexString(Float.floatToRawIntBits(got[k]))
                            + ") but should be " + Float.intBitsToFloat((int) values[k]) + " (bits 0x" + Long.toHexString(values[k]) + ")");
        } else {
            assertEquals(DType.INT64, t.dtype(), what + ": dtype");
            long[] got = t.toLongArray();
            for (int k = 0; k < values.length; k++) assertEquals(values[k], got[k], what + ": element " + k);
        }
    }

    /** Asserts that {@code action} fails with an IOException whose message names {@code file}; returns the message. */
    static String assertRejected(Path file, IoAction action) {
        IOException e = assertThrows(IOException.class, action::run, () -> file + " should have been rejected");
        String msg = String.valueOf(e.getMessage());
        assertTrue(msg.contains(file.getFileName().toString()), () -> "the message does not name the file: " + msg);
        return msg;
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }
}
