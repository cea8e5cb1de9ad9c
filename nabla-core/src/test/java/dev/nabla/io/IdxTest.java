package dev.nabla.io;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static dev.nabla.io.IoFixtures.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(120)
class IdxTest {
    @TempDir
    Path dir;

    /** An IDX file: magic (type code, rank), big-endian sizes, then {@code data} as given. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private Tensor readBoth(String name, byte[] raw) throws IOException {
        Path plain = dir.resolve(name);
        Files.write(plain, raw);
        Tensor a = Idx.read(plain);
        Path gz = dir.resolve(name + ".gz");
        Files.write(gz, gzip(raw));
        Tensor b = Idx.read(gz);
        Path disguised = dir.resolve(name + ".bin"); // gzip recognised by its magic, not its name
        Files.write(disguised, gzip(raw));
        Tensor c = Idx.read(disguised);
        assertArrayEquals(a.shape(), b.shape());
        assertArrayEquals(a.shape(), c.shape());
        if (a.dtype() == DType.FLOAT32) {
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
            assertArrayEquals(a.toFloatArray(), c.toFloatArray());
        } else {
            assertArrayEquals(a.toLongArray(), b.toLongArray());
            assertArrayEquals(a.toLongArray(), c.toLongArray());
        }
        return a;
    }

    @Test
    void readsEveryTypeCode() throws IOException {
        Tensor u8 = readBoth("labels", idx(0x08, new int[] {5}, new byte[] {0, 9, (byte) 128, (byte) 255, 3}));
        assertEquals(DType.INT64, u8.dtype());
        assertArrayEquals(new long[] {0, 9, 128, 255, 3}, u8.toLongArray());

        Tensor i8 = readBoth("i8", idx(0x09, new int[] {2, 2}, new byte[] {-128, 127, -1, 0}));
        assertArrayEquals(new int[] {2, 2}, i8.shape());
        assertArrayEquals(new long[] {-128, 127, -1, 0}, i8.toLongArray());

        ByteBuffer s = ByteBuffer.allocate(6).putShort((short) -32768).putShort((short) 32767).putShort((short) 258);
        assertArrayEquals(new long[] {-32768, 32767, 258}, readBoth("i16", idx(0x0B, new int[] {3}, s.array())).toLongArray());

        ByteBuffer i = ByteBuffer.allocate(12).putInt(Integer.MIN_VALUE).putInt(Integer.MAX_VALUE).putInt(0x01020304);
        assertArrayEquals(new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0x01020304},
                readBoth("i32", idx(0x0C, new int[] {1, 3}, i.array())).toLongArray());

        ByteBuffer f = ByteBuffer.allocate(12).putFloat(1.5f).putFloat(-0f).putFloat(Float.MIN_VALUE);
        Tensor f32 = readBoth("f32", idx(0x0D, new int[] {3, 1}, f.array()));
        assertEquals(DType.FLOAT32, f32.dtype());
        assertArrayEquals(new float[] {1.5f, -0f, Float.MIN_VALUE}, f32.toFloatArray());

        ByteBuffer d = ByteBuffer.allocate(24).putDouble(0.1).putDouble(1e300).putDouble(-2.5);
        assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY, -2.5f},
                readBoth("f64", idx(0x0E, new int[] {3}, d.array())).toFloatArray());

        Tensor empty = readBoth("empty", idx(0x08, new int[] {0, 28, 28}, new byte[0]));
        assertArrayEquals(new int[] {0, 28, 28}, empty.shape());
    }

    @Test
    void imagesAreScaledAsToTensorScalesThem() throws IOException {
        byte[] px = new byte[2 * 2 * 3];
        for (int k = 0; k < px.length; k++) px[k] = (byte) (k * 23);
        Path p = dir.resolve("images-idx3-ubyte");
        Files.write(p, idx(0x08, new int[] {2, 2, 3}, px));
        Tensor t = Idx.readImages(p);
        assertArrayEquals(new int[] {2, 2, 3}, t.shape());
        float[] v = t.toFloatArray();
        for (int k = 0; k < px.length; k++) assertEquals((px[k] & 0xFF) / 255f, v[k]);
        assertEquals(1f, Idx.readImages(write("w", idx(0x08, new int[] {1}, new byte[] {(byte) 255}))).item());
        Path ints = write("ints", idx(0x0C, new int[] {1}, new byte[4]));
        assertTrue(assertRejected(ints, () -> Idx.readImages(ints)).contains("int32"));
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private void rejects(String name, byte[] content, String fragment) throws IOException {
        Path p = write(name, content);
        String msg = assertRejected(p, () -> Idx.read(p));
        assertTrue(msg.contains(fragment), () -> "expected '" + fragment + "' in: " + msg);
    }

    @Test
    void hostileFiles() throws IOException {
        byte[] four = {1, 2, 3, 4};
        rejects("magic", new byte[] {1, 0, 8, 1, 0, 0, 0, 1, 5}, "two zero bytes");
        rejects("type", idx(0x0A, new int[] {4}, four), "type code 0x0A");
        rejects("short", new byte[] {0, 0, 8}, "magic");
        rejects("dims", new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0}, "dimension sizes");
        rejects("few", idx(0x08, new int[] {5}, four), "truncated");
        rejects("many", idx(0x08, new int[] {3}, four), "need 3 bytes of data but the file has 4");
        rejects("unsigned", idx(0x08, new int[] {-1}, four), "4294967295");
        rejects("overflow", idx(0x08, new int[] {65536, 65536}, four), "2 GB");
        rejects("overflow0", idx(0x0E, new int[] {0, 65536, 65536}, four), "2 GB");
        rejects("wide", idx(0x0E, new int[] {1 << 28}, four), "2 GB");
        // gzip: claims checked as the data arrives, so a small file claiming a lot fails fast
        rejects("claim.gz", gzip(idx(0x08, new int[] {Integer.MAX_VALUE - 100}, four)), "decompressed stream ends after 4");
        rejects("extra.gz", gzip(idx(0x08, new int[] {3}, four)), "bytes after");
        byte[] gz = gzip(idx(0x08, new int[] {4}, four));
        rejects("cut.gz", java.util.Arrays.copyOf(gz, gz.length - 5), "gzip");
        byte[] crc = gz.clone();
        crc[crc.length - 6] ^= 0x55; // corrupt the CRC in the trailer
        rejects("crc.gz", crc, "gzip");
        rejects("notgz.gz", new byte[] {0x1F, (byte) 0x8B, 1, 2, 3}, "gzip");
        rejects("empty.gz", new byte[0], "magic");
    }

    @Test
    void fashionMnistIfPresent() throws IOException {
        Path root = Path.of("/usr/share/datasets/fashion-mnist");
        Path testImages = root.resolve("t10k-images-idx3-ubyte.gz"), testLabels = root.resolve("t10k-labels-idx1-ubyte.gz");
        assumeTrue(Files.isReadable(testImages) && Files.isReadable(testLabels), "Fashion-MNIST is not installed");
        Tensor x = Idx.readImages(testImages);
        Tensor y = Idx.read(testLabels);
        assertArrayEquals(new int[] {10000, 28, 28}, x.shape());
        assertArrayEquals(new int[] {10000}, y.shape());
        assertEquals(DType.INT64, y.dtype());
        long[] counts = new long[10];
        for (long l : y.toLongArray()) counts[(int) l]++; // an out-of-range label would throw here
        for (long c : counts) assertEquals(1000, c, "the test set is balanced");
        assertEquals(9, y.getLong(0), "the first test image is an ankle boot");
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : x.toFloatArray()) { min = Math.min(min, v); max = Math.max(max, v); }
        assertEquals(0f, min);
        assertEquals(1f, max);
        Path trainLabels = root.resolve("train-labels-idx1-ubyte.gz");
        if (Files.isReadable(trainLabels)) assertArrayEquals(new int[] {60000}, Idx.read(trainLabels).shape());
    }
}
