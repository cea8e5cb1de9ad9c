package dev.nabla.io;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Readable and writable by PyTorch's
 * {@code safetensors} package.
 *
 * @param tensors  by name, in the file's order
 * @param metadata the {@code __metadata__} string map (empty if absent)
 */
public record SafeTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /** Headers larger than this are refused (the reference implementation's limit is 100 MB too). */
    static final long MAX_HEADER = 100L << 20;

    public SafeTensors {
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor called {@code name}, or an error listing the names the file has. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no tensor '" + name + "'; the file has " + tensors.keySet());
        return t;
    }

    /** Reads a whole file; every problem is reported as an IOException naming the file. */
    public static SafeTensors read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "the file has " + size + " bytes, too short for the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8)
                throw bad(file, "the header claims " + Long.toUnsignedString(headerLen) + " bytes but the file has "
                        + size + " (is it really a .safetensors file?)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            Map<?, ?> header;
            try {
                Object parsed = Json.parse(StandardCharsets.UTF_8.decode(hb.flip()).toString());
                if (!(parsed instanceof Map<?, ?> m)) throw bad(file, "the header is not a JSON object");
                header = m;
            } catch (IllegalArgumentException e) {
                throw bad(file, "the header is not valid JSON: " + e.getMessage());
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            List<long[]> ranges = new ArrayList<>();
            for (var e : header.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals("__metadata__")) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(file, "__metadata__ is not an object");
                    for (var me : m.entrySet()) {
                        if (!(me.getValue() instanceof String v))
                            throw bad(file, "__metadata__ entry '" + me.getKey() + "' is not a string");
                        metadata.put((String) me.getKey(), v);
                    }
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> info)) throw bad(file, "entry '" + name + "' is not an object");
                tensors.put(name, readTensor(file, ch, name, info, dataStart, dataLen, ranges));
            }
            return new SafeTensors(tensors, metadata);
        }
    }

    private static Tensor readTensor(Path file, FileChannel ch, String name, Map<?, ?> info,
                                     long dataStart, long dataLen, List<long[]> ranges) throws IOException {
        String where = "tensor '" + name + "'";
        if (!(info.get("dtype") instanceof String dtype)) throw bad(file, where + " has no dtype");
        if (!(info.get("shape") instanceof List<?> shapeList)) throw bad(file, where + " has no shape");
        if (!(info.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end))
            throw bad(file, where + " needs data_offsets [begin, end]");
        int[] shape = new int[shapeList.size()];
        long count = 1;
        for (int k = 0; k < shape.length; k++) {
            if (!(shapeList.get(k) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                throw bad(file, where + " has an invalid shape " + shapeList);
            shape[k] = (int) (long) d;
            count *= d;
            if (count > Integer.MAX_VALUE - 16) throw bad(file, where + " has more than 2^31 elements: " + shapeList);
        }
        int width = switch (dtype) {
            case "F32", "I32" -> 4;
            case "I64", "F64" -> 8;
            case "F16", "BF16" -> 2;
            default -> throw bad(file, where + " has dtype " + dtype + ", which Nabla does not read (F32, F64, F16, BF16, I64, I32)");
        };
        if (begin < 0 || end < begin || end > dataLen)
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + "] outside the " + dataLen + "-byte data section");
        if (end - begin != count * width)
            throw bad(file, where + " has " + (end - begin) + " bytes of data, but " + dtype + " " + shapeList
                    + " needs " + count * width);
        for (long[] r : ranges)
            if (begin < r[1] && r[0] < end && end > begin) throw bad(file, where + " overlaps another tensor's data");
        ranges.add(new long[] {begin, end});
        ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + begin);
        buf.flip();
        int n = (int) count;
        return switch (dtype) {
            case "F32" -> { float[] d = new float[n]; buf.asFloatBuffer().get(d); yield Tensor.of(d, shape); }
            case "F64" -> { float[] d = new float[n]; for (int k = 0; k < n; k++) d[k] = (float) buf.getDouble(); yield Tensor.of(d, shape); }
            case "F16" -> { float[] d = new float[n]; for (int k = 0; k < n; k++) d[k] = Float.float16ToFloat(buf.getShort()); yield Tensor.of(d, shape); }
            case "BF16" -> { float[] d = new float[n]; for (int k = 0; k < n; k++) d[k] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16); yield Tensor.of(d, shape); }
            case "I64" -> { long[] d = new long[n]; buf.asLongBuffer().get(d); yield Tensor.ofLongs(d, shape); }
            case "I32" -> { long[] d = new long[n]; for (int k = 0; k < n; k++) d[k] = buf.getInt(); yield Tensor.ofLongs(d, shape); }
            default -> throw new AssertionError(dtype);
        };
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + ": not a valid safetensors file: " + what);
    }

    /** Writes float32 tensors as F32 and int64 as I64, atomically (a temporary file renamed into place). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (var e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("a tensor cannot be named __metadata__");
            Tensor t = e.getValue();
            long bytes = (long) t.numel() * t.dtype().byteSize();
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) shape.add((long) d);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", t.dtype().safetensorsName());
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), info);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align the data section to 8 bytes, as the reference writer does
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length + pad).put(json);
            for (int k = 0; k < pad; k++) head.put((byte) ' ');
            writeFully(ch, head.flip());
            for (Tensor t : tensors.values()) {
                ByteBuffer buf = ByteBuffer.allocate(t.numel() * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
                if (t.dtype() == DType.FLOAT32) buf.asFloatBuffer().put(t.toFloatArray());
                else buf.asLongBuffer().put(t.toLongArray());
                writeFully(ch, buf);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("SafeTensors{");
        tensors.forEach((k, v) -> b.append(k).append(": ").append(v.dtype()).append(Shape.str(v.shape())).append(", "));
        return b.append("metadata=").append(metadata).append('}').toString();
    }
}
