package dev.nabla.io;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0): the magic {@code \x93NUMPY}, a version, a header
 * length (2 bytes in 1.0, 4 in 2.0/3.0, little-endian), a header that is a Python dict literal such as
 * <code>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</code>, then the raw data.
 *
 * <p>Reading accepts the dtypes {@code f2 f4 f8} (as float32 tensors: {@code f8} values are rounded to the
 * nearest float32, as {@code astype(np.float32)} does) and {@code i1 i2 i4 i8 u1 u2 u4 u8 b1} (as int64 tensors;
 * a {@code u8} value above 2^63-1 is an error), in either byte order ({@code <}, {@code >}, or {@code |} for
 * one-byte types). Fortran-order arrays are reordered into the C (row-major) order Nabla tensors use.
 * Structured dtypes, object arrays and strings are refused. The header is parsed as the Python literal it is,
 * not pattern-matched; it must hold exactly the keys {@code descr}, {@code fortran_order} and {@code shape},
 * and the file must hold exactly the data the header describes (a truncated file or trailing bytes are errors).
 * Every problem is an {@link IOException} naming the file.
 *
 * <p>Writing stores float32 tensors as {@code <f4} and int64 tensors as {@code <i8} in C order with a version
 * 1.0 header laid out byte for byte as {@code numpy.save} (1.24) lays it out, atomically.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers larger than this are refused (NumPy itself refuses headers over 10 000 bytes by default). */
    static final int MAX_HEADER = 1 << 20;
    private static final int ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private Npy() {}

    /** An element type of the file: kind ('f', 'i', 'u', 'b'), width in bytes and byte order. */
    private record Descr(char kind, int width, ByteOrder order) {
        boolean floating() {
            return kind == 'f';
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads one array: float types as a float32 tensor, integer and bool types as an int64 tensor. */
    public static Tensor read(Path file) throws IOException {
        try {
            return readChecked(file);
        } catch (IOException e) {
            throw FileIo.named(file, e);
        }
    }

    private static Tensor readChecked(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) throw bad(file, "the file has " + size + " bytes, too short for the NPY preamble");
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            pre.limit((int) Math.min(12, size));
            if (!FileIo.readFully(ch, pre, 0)) throw bad(file, "the file ended inside the preamble");
            pre.flip();
            for (byte m : MAGIC)
                if (pre.get() != m) throw bad(file, "it does not start with the magic \\x93NUMPY (is it really a .npy file?)");
            int major = pre.get() & 0xFF, minor = pre.get() & 0xFF;
            if (major < 1 || major > 3 || minor != 0)
                throw bad(file, "format version " + major + "." + minor + " is not supported (1.0, 2.0 and 3.0 are)");
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = pre.getShort() & 0xFFFF;
                prefix = 10;
            } else {
                if (size < 12) throw bad(file, "the file ended inside the header length");
                headerLen = pre.getInt() & 0xFFFF_FFFFL;
                prefix = 12;
            }
            if (headerLen > MAX_HEADER) throw bad(file, "the header claims " + headerLen + " bytes, more than the " + MAX_HEADER + " allowed");
            if (headerLen > size - prefix)
                throw bad(file, "the header claims " + headerLen + " bytes but only " + (size - prefix) + " follow (truncated file?)");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            if (!FileIo.readFully(ch, hb, prefix)) throw bad(file, "the file ended inside the header");
            hb.flip();
            String text = major == 3 ? FileIo.strictUtf8(hb) : StandardCharsets.ISO_8859_1.decode(hb).toString();
            if (text == null) throw bad(file, "the header is not valid UTF-8");

            Object parsed;
            try {
                parsed = PyLiteral.parse(text);
            } catch (IllegalArgumentException e) {
                throw bad(file, "the header is not a Python literal: " + e.getMessage());
            }
            if (!(parsed instanceof Map<?, ?> header)) throw bad(file, "the header is not a dict: " + text.strip());
            if (!header.keySet().equals(Set.of("descr", "fortran_order", "shape")))
                throw bad(file, "the header must have exactly the keys descr, fortran_order and shape, not " + header.keySet());
            Descr descr = descr(file, header.get("descr"));
            if (!(header.get("fortran_order") instanceof Boolean fortran))
                throw bad(file, "fortran_order is " + header.get("fortran_order") + ", not True or False");
            if (!(header.get("shape") instanceof PyLiteral.Tuple(List<Object> dims)))
                throw bad(file, "shape is " + header.get("shape") + ", not a tuple of sizes");
            int[] shape = new int[dims.size()];
            long count = 1, span = 1;
            for (int k = 0; k < shape.length; k++) {
                if (!(dims.get(k) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                    throw bad(file, "shape " + header.get("shape") + " has an invalid size at position " + k);
                shape[k] = (int) (long) d;
                count *= d;
                span *= Math.max(d, 1);
                if (span > Integer.MAX_VALUE - 16)
                    throw bad(file, "shape " + header.get("shape") + " is larger than a Java array can hold (2^31 elements)");
            }
            long dataStart = prefix + headerLen, need = count * descr.width, have = size - dataStart;
            if (have < need)
                throw bad(file, "shape " + header.get("shape") + " of " + header.get("descr") + " needs " + need
                        + " bytes of data but the file has " + have + " (truncated file?)");
            if (have > need) throw bad(file, "it has " + (have - need) + " bytes after the " + need + " bytes of data");
            return data(file, ch, descr, shape, (int) count, dataStart, fortran);
        }
    }

    private static Descr descr(Path file, Object value) throws IOException {
        if (!(value instanceof String s))
            throw bad(file, "descr " + value + " is a structured dtype; only plain numeric dtypes are supported");
        String supported = " (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, with byte order <, > or |)";
        if (s.length() < 3) throw bad(file, "descr '" + s + "' is not supported" + supported);
        char order = s.charAt(0), kind = s.charAt(1);
        String w = s.substring(2);
        int width = switch (w) {
            case "1" -> 1;
            case "2" -> 2;
            case "4" -> 4;
            case "8" -> 8;
            default -> -1;
        };
        boolean ok = switch (kind) {
            case 'f' -> width >= 2;
            case 'i', 'u' -> width >= 1;
            case 'b' -> width == 1;
            default -> false;
        };
        if (!ok || (order != '<' && order != '>' && order != '|') || (order == '|' && width != 1))
            throw bad(file, "descr '" + s + "' is not supported" + supported);
        return new Descr(kind, width, order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }

    private static Tensor data(Path file, FileChannel ch, Descr d, int[] shape, int n, long start, boolean fortran)
            throws IOException {
        float[] f = d.floating() ? new float[n] : null;
        long[] l = d.floating() ? null : new long[n];
        long bytes = (long) n * d.width;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(FileIo.CHUNK, Math.max(bytes, 8))).order(d.order);
        int per = buf.capacity() / d.width;
        long pos = start;
        for (int done = 0; done < n; ) {
            int take = Math.min(n - done, per);
            buf.clear().limit(take * d.width);
            if (!FileIo.readFully(ch, buf, pos)) throw bad(file, "the file ended inside the data (was it truncated while being read?)");
            buf.flip();
            int end = done + take;
            switch (d.kind) {
                case 'f' -> {
                    switch (d.width) {
                        case 2 -> { for (int k = done; k < end; k++) f[k] = Float.float16ToFloat(buf.getShort()); }
                        case 4 -> buf.asFloatBuffer().get(f, done, take);
                        default -> { for (int k = done; k < end; k++) f[k] = (float) buf.getDouble(); }
                    }
                }
                case 'i' -> {
                    switch (d.width) {
                        case 1 -> { for (int k = done; k < end; k++) l[k] = buf.get(); }
                        case 2 -> { for (int k = done; k < end; k++) l[k] = buf.getShort(); }
                        case 4 -> { for (int k = done; k < end; k++) l[k] = buf.getInt(); }
                        default -> buf.asLongBuffer().get(l, done, take);
                    }
                }
                case 'u' -> {
                    switch (d.width) {
                        case 1 -> { for (int k = done; k < end; k++) l[k] = buf.get() & 0xFF; }
                        case 2 -> { for (int k = done; k < end; k++) l[k] = buf.getShort() & 0xFFFF; }
                        case 4 -> { for (int k = done; k < end; k++) l[k] = buf.getInt() & 0xFFFF_FFFFL; }
                        default -> {
                            for (int k = done; k < end; k++) {
                                l[k] = buf.getLong();
                                if (l[k] < 0)
                                    throw bad(file, "element " + k + " is the uint64 " + Long.toUnsignedString(l[k])
                                            + ", which int64 cannot hold");
                            }
                        }
                    }
                }
                default -> { for (int k = done; k < end; k++) l[k] = buf.get() != 0 ? 1 : 0; }
            }
            done = end;
            pos += (long) take * d.width;
        }
        if (fortran && shape.length > 1) {
            int[] from = fortranSource(shape, n);
            if (f != null) {
                float[] c = new float[n];
                for (int k = 0; k < n; k++) c[k] = f[from[k]];
                f = c;
            } else {
                long[] c = new long[n];
                for (int k = 0; k < n; k++) c[k] = l[from[k]];
                l = c;
            }
        }
        return f != null ? Tensor.of(f, shape) : Tensor.ofLongs(l, shape);
    }

    /** For each row-major position, the column-major position holding the same element. */
    private static int[] fortranSource(int[] shape, int n) {
        int rank = shape.length;
        int[] fStride = new int[rank];
        for (int k = 0, s = 1; k < rank; k++) {
            fStride[k] = s;
            s *= Math.max(shape[k], 1);
        }
        int[] from = new int[n];
        int[] idx = new int[rank];
        int src = 0;
        for (int c = 0; c < n; c++) {
            from[c] = src;
            for (int k = rank - 1; k >= 0; k--) { // row-major odometer: the last index moves fastest
                idx[k]++;
                src += fStride[k];
                if (idx[k] < shape[k]) break;
                src -= idx[k] * fStride[k];
                idx[k] = 0;
            }
        }
        return from;
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + ": not a valid .npy file: " + what);
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code t} as NumPy's {@code np.save} does: float32 as {@code <f4}, int64 as {@code <i8}, C order,
     * a version 1.0 header (2.0 only if the header outgrows 65535 bytes) padded so the data starts at a
     * multiple of 64 bytes; atomically (a temporary file renamed into place).
     */
    public static void write(Path file, Tensor t) throws IOException {
        byte[] head = header(t.dtype() == DType.FLOAT32 ? "<f4" : "<i8", t.shape());
        int n = t.numel();
        boolean flat = t.isContiguous();
        int base = flat ? t.offset() : 0;
        float[] f = t.dtype() == DType.FLOAT32 ? (flat ? t.data() : t.toFloatArray()) : null;
        long[] l = f == null ? (flat ? t.longData() : t.toLongArray()) : null;
        FileIo.writeAtomically(file, ch -> {
            FileIo.writeFully(ch, ByteBuffer.wrap(head));
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(FileIo.CHUNK, Math.max(8L * n, 8))).order(ByteOrder.LITTLE_ENDIAN);
            int per = buf.capacity() / 8;
            for (int done = 0; done < n; ) {
                int take = Math.min(n - done, per);
                buf.clear();
                if (f != null) {
                    buf.asFloatBuffer().put(f, base + done, take);
                    buf.position(take * 4);
                } else {
                    buf.asLongBuffer().put(l, base + done, take);
                    buf.position(take * 8);
                }
                FileIo.writeFully(ch, buf.flip());
                done += take;
            }
        });
    }

    /** The magic, version, length and padded header text, exactly as NumPy 1.24's {@code np.save} writes them. */
    static byte[] header(String descr, int[] shape) {
        StringBuilder h = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        for (int k = 0; k < shape.length; k++) {
            if (k > 0) h.append(", ");
            h.append(shape[k]);
        }
        if (shape.length == 1) h.append(',');
        h.append("), }");
        // NumPy leaves room to grow the first axis in place
        if (shape.length > 0) h.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length()));
        byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1; // the closing newline
        int version = 1, prefix = 10;
        int pad = ALIGN - (prefix + hlen) % ALIGN;
        if (hlen + pad > 0xFFFF) {
            version = 2;
            prefix = 12;
            pad = ALIGN - (prefix + hlen) % ALIGN;
        }
        ByteBuffer b = ByteBuffer.allocate(prefix + hlen + pad).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) b.putShort((short) (hlen + pad));
        else b.putInt(hlen + pad);
        b.put(text);
        for (int k = 0; k < pad; k++) b.put((byte) ' ');
        b.put((byte) '\n');
        return b.array();
    }

    // ---------------------------------------------------------------- the header's Python literal

    /**
     * A parser for the Python literals an NPY header uses: dicts, tuples, lists, strings (single or double
     * quoted, with backslash escapes), integers (an old Python 2 {@code L} suffix allowed), True, False and None.
     */
    static final class PyLiteral {
        private static final int MAX_DEPTH = 32;

        /** A Python tuple (kept apart from lists, since NumPy requires the shape to be a tuple). */
        record Tuple(List<Object> items) {
            @Override
            public String toString() {
                StringBuilder b = new StringBuilder("(");
                for (int k = 0; k < items.size(); k++) b.append(k > 0 ? ", " : "").append(items.get(k));
                return b.append(items.size() == 1 ? ",)" : ")").toString();
            }
        }

        private final String s;
        private int i;

        private PyLiteral(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            PyLiteral p = new PyLiteral(text);
            p.ws();
            Object v = p.value(0);
            p.ws();
            if (p.i != text.length()) throw p.error("unexpected text after the literal");
            return v;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at offset " + i);
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private Object value(int depth) {
            if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
            if (i >= s.length()) throw error("the text ends early");
            char c = s.charAt(i);
            if (c == '{') return dict(depth);
            if (c == '(') {
                List<Object> items = new ArrayList<>();
                boolean comma = sequence(')', items, depth);
                if (items.size() == 1 && !comma) return items.get(0); // (x) is just x
                return new Tuple(List.copyOf(items));
            }
            if (c == '[') {
                List<Object> items = new ArrayList<>();
                sequence(']', items, depth);
                return items;
            }
            if (c == '\'' || c == '"') return string();
            if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return integer();
            if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                String word = s.substring(start, i);
                return switch (word) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    case "None" -> null;
                    default -> {
                        i = start;
                        throw error("unknown name '" + word + "'");
                    }
                };
            }
            throw error("unexpected character '" + c + "'");
        }

        /** Parses items up to {@code close}; true if a comma followed the last item. */
        private boolean sequence(char close, List<Object> items, int depth) {
            i++;
            boolean comma = false;
            while (true) {
                ws();
                if (i >= s.length()) throw error("the text ends inside a " + (close == ')' ? "tuple" : "list"));
                if (s.charAt(i) == close) { i++; return comma; }
                if (!items.isEmpty() && !comma) throw error("expected ',' or '" + close + "'");
                items.add(value(depth + 1));
                ws();
                comma = i < s.length() && s.charAt(i) == ',';
                if (comma) i++;
            }
        }

        private Map<Object, Object> dict(int depth) {
            Map<Object, Object> m = new LinkedHashMap<>();
            i++;
            boolean comma = true;
            while (true) {
                ws();
                if (i >= s.length()) throw error("the text ends inside a dict");
                if (s.charAt(i) == '}') { i++; return m; }
                if (!comma) throw error("expected ',' or '}'");
                Object key = value(depth + 1);
                if (key instanceof Map<?, ?> || key instanceof List<?>) throw error("unhashable dict key");
                ws();
                if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':'");
                i++;
                ws();
                if (m.containsKey(key)) throw error("the key " + key + " appears twice");
                m.put(key, value(depth + 1));
                ws();
                comma = i < s.length() && s.charAt(i) == ',';
                if (comma) i++;
            }
        }

        private String string() {
            char quote = s.charAt(i++);
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length() || s.charAt(i) == '\n') throw error("unterminated string");
                char c = s.charAt(i++);
                if (c == quote) return b.toString();
                if (c != '\\') { b.append(c); continue; }
                if (i >= s.length()) throw error("unterminated string");
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case '0' -> b.append('\0');
                    case '\\', '\'', '"' -> b.append(e);
                    default -> b.append('\\').append(e); // Python keeps unknown escapes as written
                }
            }
        }

        private Long integer() {
            int start = i;
            if (s.charAt(i) == '-' || s.charAt(i) == '+') i++;
            int digits = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            if (i == digits) throw error("malformed number");
            if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E'))
                throw error("only integers are expected");
            String t = s.substring(start, i);
            if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) i++;
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                i = start;
                throw error("integer " + t + " out of range");
            }
        }
    }
}
