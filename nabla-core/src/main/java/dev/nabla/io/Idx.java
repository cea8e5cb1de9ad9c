package dev.nabla.io;

import dev.nabla.tensor.Tensor;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format MNIST and Fashion-MNIST ship in, plain or gzip-compressed (recognised by the gzip magic
 * bytes, whatever the file is called). A file is two zero bytes, a type code, the number of dimensions,
 * each dimension as a big-endian 32-bit size, then the big-endian data in row-major order. Type codes:
 * 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 * (so labels start 0x00000801 and images 0x00000803).
 *
 * <p>The file must hold exactly the data its header describes (at most 2 GB of it); a truncated or corrupt
 * file, a gzip stream that breaks off, a size overflow or trailing bytes are {@link IOException}s naming
 * the file. For gzip files the decompressed data is accumulated only as it arrives, so a small hostile file
 * that claims gigabytes cannot make the reader allocate them.
 */
public final class Idx {
    private Idx() {}

    /** The largest data section read (byte arrays stop at 2^31). */
    static final long MAX_DATA = Integer.MAX_VALUE - 16;

    /** A parsed file: the type code, the dimensions and the raw big-endian data. */
    private record Raw(int type, int[] shape, int count, byte[] data) {}

    /**
     * Reads a file as a tensor: int64 for the integer types (unsigned bytes as 0..255), float32 for the float
     * types (float64 values rounded to the nearest float32).
     */
    public static Tensor read(Path file) throws IOException {
        Raw r = raw(file);
        ByteBuffer b = ByteBuffer.wrap(r.data).order(ByteOrder.BIG_ENDIAN);
        int n = r.count;
        if (r.type == 0x0D || r.type == 0x0E) {
            float[] f = new float[n];
            if (r.type == 0x0D) b.asFloatBuffer().get(f);
            else for (int k = 0; k < n; k++) f[k] = (float) b.getDouble();
            return Tensor.of(f, r.shape);
        }
        long[] l = new long[n];
        byte[] d = r.data;
        switch (r.type) {
            case 0x08 -> { for (int k = 0; k < n; k++) l[k] = d[k] & 0xFF; }
            case 0x09 -> { for (int k = 0; k < n; k++) l[k] = d[k]; }
            case 0x0B -> { for (int k = 0; k < n; k++) l[k] = b.getShort(); }
            default -> { for (int k = 0; k < n; k++) l[k] = b.getInt(); }
        }
        return Tensor.ofLongs(l, r.shape);
    }

    /**
     * Reads unsigned-byte images (type 0x08, e.g. MNIST's {@code *-images-idx3-ubyte.gz}) as float32 scaled to
     * [0, 1] by dividing by 255, exactly as torchvision's {@code ToTensor} does; shape as stored ({@code [N, 28, 28]}).
     */
    public static Tensor readImages(Path file) throws IOException {
        Raw r = raw(file);
        if (r.type != 0x08)
            throw bad(file, "readImages expects unsigned bytes (type code 0x08) but the file holds " + typeName(r.type)
                    + "; use Idx.read");
        float[] f = new float[r.count];
        byte[] d = r.data;
        for (int k = 0; k < f.length; k++) f[k] = (d[k] & 0xFF) / 255f;
        return Tensor.of(f, r.shape);
    }

    private static Raw raw(Path file) throws IOException {
        try {
            long fileSize = Files.size(file);
            boolean gzip;
            try (InputStream probe = Files.newInputStream(file)) {
                byte[] magic = probe.readNBytes(2);
                gzip = magic.length == 2 && (magic[0] & 0xFF) == 0x1F && (magic[1] & 0xFF) == 0x8B;
            }
            try (InputStream in = gzip ? new GZIPInputStream(Files.newInputStream(file), 1 << 16)
                    : new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                return parse(file, in, gzip, fileSize);
            }
        } catch (EOFException | ZipException e) {
            throw bad(file, "the gzip stream is truncated or corrupt (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw FileIo.named(file, e);
        }
    }

    private static Raw parse(Path file, InputStream in, boolean gzip, long fileSize) throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) throw bad(file, "it ends after " + head.length + " bytes, inside the 4-byte magic number");
        if (head[0] != 0 || head[1] != 0)
            throw bad(file, String.format("the magic number 0x%02X%02X%02X%02X does not start with two zero bytes "
                    + "(is it really an IDX file?)", head[0], head[1], head[2], head[3]));
        int type = head[2] & 0xFF, rank = head[3] & 0xFF;
        int width = switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> throw bad(file, String.format("type code 0x%02X is unknown (0x08 u8, 0x09 i8, 0x0B i16, "
                    + "0x0C i32, 0x0D f32, 0x0E f64)", type));
        };
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank)
            throw bad(file, "it ends inside the " + rank + " dimension sizes");
        ByteBuffer db = ByteBuffer.wrap(dimBytes).order(ByteOrder.BIG_ENDIAN);
        int[] shape = new int[rank];
        long count = 1, span = 1;
        for (int k = 0; k < rank; k++) {
            long d = db.getInt() & 0xFFFF_FFFFL;
            if (d > Integer.MAX_VALUE) throw bad(file, "dimension " + k + " has size " + d + ", more than 2^31-1");
            shape[k] = (int) d;
            count *= d;
            span *= Math.max(d, 1);
            if (span * width > MAX_DATA)
                throw bad(file, "dimensions " + Arrays.toString(Arrays.copyOf(shape, k + 1)) + "... of "
                        + typeName(type) + " need more than the 2 GB of data Nabla reads");
        }
        int need = (int) (count * width);
        long headerBytes = 4 + 4L * rank;
        if (!gzip && fileSize - headerBytes != need)
            throw bad(file, "dimensions " + Arrays.toString(shape) + " of " + typeName(type) + " need " + need
                    + " bytes of data but the file has " + (fileSize - headerBytes)
                    + (fileSize - headerBytes < need ? " (truncated file?)" : ""));
        // a gzip file's claim is unchecked until the data arrives: grow the buffer as it does
        int capacity = gzip ? (int) Math.min(need, Math.max(1 << 16, Math.min(MAX_DATA, fileSize * 8))) : need;
        byte[] data = new byte[capacity];
        int got = 0;
        while (got < need) {
            if (got == data.length) data = Arrays.copyOf(data, (int) Math.min(need, 2L * data.length));
            int r = in.read(data, got, data.length - got);
            if (r < 0)
                throw bad(file, "dimensions " + Arrays.toString(shape) + " of " + typeName(type) + " need " + need
                        + " bytes of data but the " + (gzip ? "decompressed stream" : "file") + " ends after " + got
                        + " (truncated file?)");
            got += r;
        }
        if (in.read() >= 0)
            throw bad(file, "it has bytes after the " + need + " bytes of data its dimensions " + Arrays.toString(shape) + " describe");
        return new Raw(type, shape, (int) count, data);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned bytes";
            case 0x09 -> "signed bytes";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> String.format("type 0x%02X", type);
        };
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + ": not a valid IDX file: " + what);
    }
}
