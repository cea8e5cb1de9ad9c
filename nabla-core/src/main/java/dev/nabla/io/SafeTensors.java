package dev.nabla.io;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON naming each
 * tensor's dtype, shape and byte range (plus an optional {@code __metadata__} string map), then the raw
 * little-endian, row-major data. Files written here load with PyTorch's {@code safetensors} package.
 *
 * <p>Reading is strict, as the reference implementation is: the header must be valid UTF-8 JSON that starts
 * with <code>{</code> and is at most 100 MB, keys are unique, every tensor's byte range matches its dtype and
 * shape, and the tensors' ranges tile the data section exactly: no overlaps, no holes and no trailing bytes
 * (the spec forbids holes so that a file cannot hide a second payload). Anything else, including a file
 * truncated or rewritten while it is being read, is an {@link IOException} naming the file and the problem.
 * Floating-point dtypes (F64, F32, F16, BF16) load as float32 tensors; integer ones (I64, I32, I16, I8, U32,
 * U16, U8, BOOL) as int64 tensors. The data is streamed through a small buffer straight into the tensors'
 * arrays, so a file costs its own size in heap once, not twice.
 *
 * @param tensors by name, in the file's order
 * @param metadata the {@code __metadata__} string map (empty if absent)
 * @param dtypes how each tensor was stored in the file (so a float16 checkpoint can be written back as such)
 */
public record SafeTensors(Map<String, Tensor> tensors, Map<String, String> metadata, Map<String, Storage> dtypes) {
    /** Headers larger than this are refused (the reference implementation's limit is 100 MB too). */
    static final long MAX_HEADER = 100L << 20;

    /** A dtype of the safetensors format: how one tensor's elements are laid out in the file. */
    public enum Storage {
        F64(8, true), F32(4, true), F16(2, true), BF16(2, true),
        I64(8, false), I32(4, false), I16(2, false), I8(1, false),
        U32(4, false), U16(2, false), U8(1, false), BOOL(1, false);

        private final int byteSize;
        private final boolean floating;

        Storage(int byteSize, boolean floating) {
            this.byteSize = byteSize;
            this.floating = floating;
        }

        /** Bytes per element in the file. */
        public int byteSize() {
            return byteSize;
        }

        /** True for the formats that hold float32 tensors, false for those that hold int64 tensors. */
        public boolean isFloatingPoint() {
            return floating;
        }

        /** The lossless storage of a tensor: F32 for float32, I64 for int64. */
        public static Storage natural(Tensor t) {
            return t.dtype() == DType.FLOAT32 ? F32 : I64;
        }

        static Storage parse(String name) {
            for (Storage s : values()) if (s.name().equals(name)) return s;
            return null;
        }

        long min() {
            return switch (this) {
                case I32 -> Integer.MIN_VALUE;
                case I16 -> Short.MIN_VALUE;
                case I8 -> Byte.MIN_VALUE;
                case U32, U16, U8, BOOL -> 0;
                default -> Long.MIN_VALUE;
            };
        }

        long max() {
            return switch (this) {
                case I32 -> Integer.MAX_VALUE;
                case I16 -> Short.MAX_VALUE;
                case I8 -> Byte.MAX_VALUE;
                case U32 -> 0xFFFF_FFFFL;
                case U16 -> 0xFFFF;
                case U8 -> 0xFF;
                case BOOL -> 1;
                default -> Long.MAX_VALUE;
            };
        }
    }

    public SafeTensors {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        Map<String, Storage> d = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) {
            Storage s = dtypes.get(e.getKey());
            if (s != null && s.isFloatingPoint() != (e.getValue().dtype() == DType.FLOAT32))
                throw new IllegalArgumentException("SafeTensors: tensor '" + e.getKey() + "' is " + e.getValue().dtype()
                        + " but is marked as stored as " + s);
            d.put(e.getKey(), s != null ? s : Storage.natural(e.getValue()));
        }
        dtypes = Collections.unmodifiableMap(d);
    }

    /** Tensors and metadata, each tensor marked as stored in its natural dtype (F32 or I64). */
    public SafeTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
        this(tensors, metadata, Map.of());
    }

    /** The tensor called {@code name}, or an error listing the names the file has. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no tensor '" + name + "'; the file has " + tensors.keySet());
        return t;
    }

    // ---------------------------------------------------------------- reading

    /** One header entry, validated against the data section. */
    private record Entry(String name, Storage storage, int[] shape, int count, long begin, long end) {}

    /** Reads a whole file; every problem is reported as an IOException naming the file. */
    public static SafeTensors read(Path file) throws IOException {
        try {
            return readChecked(file);
        } catch (IOException e) {
            throw FileIo.named(file, e);
        }
    }

    private static SafeTensors readChecked(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "the file has " + size + " bytes, too short for the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (!FileIo.readFully(ch, lenBuf, 0)) throw bad(file, "the file ended while its header length was read");
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER)
                throw bad(file, "the header length is " + Long.toUnsignedString(headerLen) + " bytes, outside [2, "
                        + MAX_HEADER + "] (is it really a .safetensors file?)");
            if (headerLen > size - 8)
                throw bad(file, "the header claims " + headerLen + " bytes but only " + (size - 8)
                        + " follow the length (truncated file?)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            if (!FileIo.readFully(ch, hb, 8)) throw bad(file, "the file ended inside the header");
            String text = FileIo.strictUtf8(hb.flip());
            if (text == null) throw bad(file, "the header is not valid UTF-8");
            if (!text.startsWith("{")) throw bad(file, "the header does not start with '{'");
            Map<?, ?> header;
            try {
                header = (Map<?, ?>) Json.parse(text);
            } catch (IllegalArgumentException e) {
                throw bad(file, "the header is not valid JSON: " + e.getMessage());
            } catch (ClassCastException e) {
                throw bad(file, "the header is not a JSON object");
            }
            long dataStart = 8 + headerLen, dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (var e : header.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals("__metadata__")) {
                    if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(file, "__metadata__ is not a JSON object");
                    for (var me : m.entrySet()) {
                        if (!(me.getValue() instanceof String v))
                            throw bad(file, "__metadata__ entry '" + me.getKey() + "' is not a string but " + String.valueOf(me.getValue()));
                        metadata.put((String) me.getKey(), v);
                    }
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> info)) throw bad(file, "entry '" + name + "' is not a JSON object");
                entries.add(entry(file, name, info, dataLen));
            }
            checkCoverage(file, entries, dataLen);

            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(FileIo.CHUNK, Math.max(dataLen, 8))).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Storage> dtypes = new LinkedHashMap<>();
            for (Entry e : entries) {
                tensors.put(e.name, readData(file, ch, e, dataStart, buf));
                dtypes.put(e.name, e.storage);
            }
            return new SafeTensors(tensors, metadata, dtypes);
        }
    }

    private static Entry entry(Path file, String name, Map<?, ?> info, long dataLen) throws IOException {
        String where = "tensor '" + name + "'";
        if (!(info.get("dtype") instanceof String dtype)) throw bad(file, where + " has no string \"dtype\"");
        if (!(info.get("shape") instanceof List<?> shapeList)) throw bad(file, where + " has no \"shape\" list");
        if (!(info.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end))
            throw bad(file, where + " needs \"data_offsets\": [begin, end] with two integers");
        Storage storage = Storage.parse(dtype);
        if (storage == null)
            throw bad(file, where + " has dtype \"" + dtype + "\", which Nabla does not read (it reads "
                    + java.util.Arrays.toString(Storage.values()) + ")");
        int[] shape = new int[shapeList.size()];
        long count = 1, span = 1;
        for (int k = 0; k < shape.length; k++) {
            if (!(shapeList.get(k) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                throw bad(file, where + " has an invalid shape " + shapeList);
            shape[k] = (int) (long) d;
            count *= d;
            span *= Math.max(d, 1);
            if (span > Integer.MAX_VALUE - 16)
                throw bad(file, where + " has shape " + shapeList + ", larger than a Java array can hold (2^31 elements)");
        }
        if (begin < 0 || end < begin || end > dataLen)
            throw bad(file, where + " has data_offsets [" + begin + ", " + end + "] outside the " + dataLen + "-byte data section");
        long need = count * storage.byteSize();
        if (end - begin != need)
            throw bad(file, where + " has " + (end - begin) + " bytes of data, but " + dtype + " " + shapeList
                    + " needs " + need);
        return new Entry(name, storage, shape, (int) count, begin, end);
    }

    /** The spec's rule: sorted by offset, the tensors' byte ranges must tile the data section exactly. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataLen) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin < covered)
                throw bad(file, "tensor '" + e.name + "' [" + e.begin + ", " + e.end + ") overlaps tensor '" + previous
                        + "' which ends at " + covered);
            if (e.begin > covered)
                throw bad(file, "bytes [" + covered + ", " + e.begin + ") of the data section belong to no tensor "
                        + "(the format forbids holes)");
            covered = e.end;
            previous = e.name;
        }
        if (covered != dataLen)
            throw bad(file, "the data section has " + dataLen + " bytes but the tensors cover only " + covered
                    + " (trailing bytes are forbidden; truncated or appended-to file?)");
    }

    private static Tensor readData(Path file, FileChannel ch, Entry e, long dataStart, ByteBuffer buf) throws IOException {
        Storage st = e.storage;
        int n = e.count, w = st.byteSize();
        float[] f = st.isFloatingPoint() ? new float[n] : null;
        long[] l = st.isFloatingPoint() ? null : new long[n];
        long pos = dataStart + e.begin;
        int per = buf.capacity() / w;
        for (int done = 0; done < n; ) {
            int take = Math.min(n - done, per);
            buf.clear().limit(take * w);
            if (!FileIo.readFully(ch, buf, pos))
                throw bad(file, "the file ended inside the data of tensor '" + e.name + "' (was it truncated while being read?)");
            buf.flip();
            decode(st, buf, f, l, done, take);
            done += take;
            pos += (long) take * w;
        }
        return f != null ? Tensor.of(f, e.shape) : Tensor.ofLongs(l, e.shape);
    }

    private static void decode(Storage st, ByteBuffer b, float[] f, long[] l, int at, int n) {
        int end = at + n;
        switch (st) {
            case F32 -> b.asFloatBuffer().get(f, at, n);
            case F64 -> { for (int k = at; k < end; k++) f[k] = (float) b.getDouble(); }
            case F16 -> { for (int k = at; k < end; k++) f[k] = Float.float16ToFloat(b.getShort()); }
            case BF16 -> { for (int k = at; k < end; k++) f[k] = FileIo.fromBfloat16(b.getShort()); }
            case I64 -> b.asLongBuffer().get(l, at, n);
            case I32 -> { for (int k = at; k < end; k++) l[k] = b.getInt(); }
            case I16 -> { for (int k = at; k < end; k++) l[k] = b.getShort(); }
            case I8 -> { for (int k = at; k < end; k++) l[k] = b.get(); }
            case U32 -> { for (int k = at; k < end; k++) l[k] = b.getInt() & 0xFFFF_FFFFL; }
            case U16 -> { for (int k = at; k < end; k++) l[k] = b.getShort() & 0xFFFF; }
            case U8 -> { for (int k = at; k < end; k++) l[k] = b.get() & 0xFF; }
            case BOOL -> { for (int k = at; k < end; k++) l[k] = b.get() != 0 ? 1 : 0; }
        }
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + ": not a valid safetensors file: " + what);
    }

    // ---------------------------------------------------------------- writing

    /** Writes float32 tensors as F32 and int64 ones as I64 (lossless), atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, (name, t) -> Storage.natural(t));
    }

    /**
     * Writes the tensors of {@code storage}'s kind in that dtype and the others losslessly: {@code Storage.F16}
     * or {@code BF16} halves every float32 tensor (rounding to nearest even, as PyTorch's {@code .half()} and
     * {@code .bfloat16()} do) and keeps int64 tensors as I64; {@code Storage.I32} narrows the int64 tensors
     * and keeps float32 ones as F32.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, Storage storage)
            throws IOException {
        Objects.requireNonNull(storage, "SafeTensors.write: storage");
        write(file, tensors, metadata, (name, t) ->
                storage.isFloatingPoint() == (t.dtype() == DType.FLOAT32) ? storage : Storage.natural(t));
    }

    /**
     * Writes each tensor in the dtype {@code storageOf(name, tensor)} chooses, atomically (a temporary file in
     * the same directory renamed into place), with {@code metadata} as {@code __metadata__}. Float32 tensors
     * take a floating-point storage, int64 tensors an integer one; an int64 value that the chosen storage
     * cannot hold is an error (never a silent wrap-around). The data section is 8-byte aligned as the
     * reference writer makes it.
     *
     * @throws IllegalArgumentException for a tensor named {@code __metadata__}, a storage of the wrong kind or an
     *                                  out-of-range value (nothing is written then)
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata,
                             BiFunction<String, Tensor, Storage> storageOf) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            for (var e : metadata.entrySet())
                if (e.getKey() == null || e.getValue() == null)
                    throw new IllegalArgumentException("SafeTensors.write: metadata " + e.getKey() + "=" + e.getValue() + " has a null");
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        List<Tensor> order = new ArrayList<>();
        List<Storage> kinds = new ArrayList<>();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || t == null) throw new IllegalArgumentException("SafeTensors.write: null name or tensor (" + name + ")");
            if (name.equals("__metadata__")) throw new IllegalArgumentException("SafeTensors.write: a tensor cannot be named __metadata__");
            Storage st = storageOf.apply(name, t);
            if (st == null) throw new IllegalArgumentException("SafeTensors.write: no storage chosen for tensor '" + name + "'");
            if (st.isFloatingPoint() != (t.dtype() == DType.FLOAT32))
                throw new IllegalArgumentException("SafeTensors.write: tensor '" + name + "' is " + t.dtype()
                        + " and cannot be stored as " + st + "; convert it with to(...) first");
            if (!st.isFloatingPoint() && st != Storage.I64) checkRange(name, t, st);
            long bytes = (long) t.numel() * st.byteSize();
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) shape.add((long) d);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", st.name());
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, info);
            order.add(t);
            kinds.add(st);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align the data section to 8 bytes, as the reference writer does
        FileIo.writeAtomically(file, ch -> {
            ByteBuffer head = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length + pad).put(json);
            for (int k = 0; k < pad; k++) head.put((byte) ' ');
            FileIo.writeFully(ch, head.flip());
            ByteBuffer buf = ByteBuffer.allocate(FileIo.CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < order.size(); k++) writeData(ch, order.get(k), kinds.get(k), buf);
        });
    }

    private static void checkRange(String name, Tensor t, Storage st) {
        long[] v = t.isContiguous() ? t.longData() : t.toLongArray();
        int base = t.isContiguous() ? t.offset() : 0;
        long lo = st.min(), hi = st.max();
        for (int k = 0; k < t.numel(); k++) {
            long x = v[base + k];
            if (x < lo || x > hi)
                throw new IllegalArgumentException("SafeTensors.write: tensor '" + name + "' holds " + x + " at flat index " + k
                        + ", outside the range [" + lo + ", " + hi + "] of " + st);
        }
    }

    private static void writeData(FileChannel ch, Tensor t, Storage st, ByteBuffer buf) throws IOException {
        int n = t.numel(), per = buf.capacity() / st.byteSize();
        boolean flat = t.isContiguous();
        int base = flat ? t.offset() : 0;
        float[] f = null;
        long[] l = null;
        if (t.dtype() == DType.FLOAT32) f = flat ? t.data() : t.toFloatArray();
        else l = flat ? t.longData() : t.toLongArray();
        for (int done = 0; done < n; ) {
            int take = Math.min(n - done, per), from = base + done, to = from + take;
            buf.clear();
            switch (st) {
                case F32 -> { buf.asFloatBuffer().put(f, from, take); buf.position(take * 4); }
                case F64 -> { for (int k = from; k < to; k++) buf.putDouble(f[k]); }
                case F16 -> { for (int k = from; k < to; k++) buf.putShort(Float.floatToFloat16(f[k])); }
                case BF16 -> { for (int k = from; k < to; k++) buf.putShort(FileIo.toBfloat16(f[k])); }
                case I64 -> { buf.asLongBuffer().put(l, from, take); buf.position(take * 8); }
                case I32, U32 -> { for (int k = from; k < to; k++) buf.putInt((int) l[k]); }
                case I16, U16 -> { for (int k = from; k < to; k++) buf.putShort((short) l[k]); }
                case I8, U8, BOOL -> { for (int k = from; k < to; k++) buf.put((byte) l[k]); }
            }
            FileIo.writeFully(ch, buf.flip());
            done += take;
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("SafeTensors{");
        tensors.forEach((k, v) -> b.append(k).append(": ").append(dtypes.get(k)).append(Shape.str(v.shape())).append(", "));
        return b.append("metadata=").append(metadata).append('}').toString();
    }
}
