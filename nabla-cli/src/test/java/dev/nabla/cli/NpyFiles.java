package dev.nabla.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny .npy v1.0 writer for test data, independent of the code under test. */
final class NpyFiles {
    private NpyFiles() {}

    static void floats(Path file, float[] data, int... shape) throws IOException {
        ByteBuffer b = header("<f4", shape, data.length * 4);
        for (float v : data) b.putFloat(v);
        Files.write(file, b.array());
    }

    static void longs(Path file, long[] data, int... shape) throws IOException {
        ByteBuffer b = header("<i8", shape, data.length * 8);
        for (long v : data) b.putLong(v);
        Files.write(file, b.array());
    }

    private static ByteBuffer header(String descr, int[] shape, int dataBytes) {
        StringBuilder s = new StringBuilder();
        for (int d : shape) s.append(d).append(", ");
        String dims = shape.length == 1 ? shape[0] + "," : s.substring(0, s.length() - 2);
        StringBuilder h = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) h.length());
        b.put(h.toString().getBytes(StandardCharsets.US_ASCII));
        return b;
    }
}
