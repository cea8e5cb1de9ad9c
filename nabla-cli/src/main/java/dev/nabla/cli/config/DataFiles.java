package dev.nabla.cli.config;

import dev.nabla.data.TensorDataset;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The only place the command line reads and writes data files. Its methods have the signatures of
 * {@code dev.nabla.data.DataSources} and {@code dev.nabla.io.Npy}, which are being written in other branches;
 * once they are merged each body here becomes a one-line call to them. Until then these are small local
 * readers: NPY (little/big-endian f4/f8 → float32, integers → int64, C order), IDX (u8) plain or gzip, CSV
 * without quoting, and the MNIST-style named datasets found on disk (no download).
 */
public final class DataFiles {
    private DataFiles() {}

    /** Features and labels from two .npy files. */
    public static TensorDataset npy(Path x, Path y) throws IOException {
        return dataset(readNpy(x), readNpy(y), x, y);
    }

    /** IDX images ([N,H,W] u8 → float32 [N,1,H,W] in [0,1]) and labels (u8 → int64 [N]), plain or gzip. */
    public static TensorDataset idx(Path images, Path labels) throws IOException {
        Idx im = readIdx(images), lb = readIdx(labels);
        if (im.dims.length != 3) throw new IOException(images + ": expected IDX images [N, H, W], got " + im.dims.length + " dims");
        if (lb.dims.length != 1) throw new IOException(labels + ": expected IDX labels [N], got " + lb.dims.length + " dims");
        float[] x = new float[im.data.length];
        for (int i = 0; i < x.length; i++) x[i] = (im.data[i] & 0xff) / 255f;
        long[] y = new long[lb.data.length];
        for (int i = 0; i < y.length; i++) y[i] = lb.data[i] & 0xff;
        return dataset(Tensor.of(x, im.dims[0], 1, im.dims[1], im.dims[2]), Tensor.ofLongs(y, lb.dims[0]), images, labels);
    }

    /** A CSV file: {@code labelColumn} by header name or index; the other columns are float32 features. */
    public static TensorDataset csv(Path file, boolean header, String labelColumn, char delimiter, boolean classLabels) throws IOException {
        List<String> lines = Files.readAllLines(file);
        lines.removeIf(String::isBlank);
        if (lines.isEmpty()) throw new IOException(file + ": empty CSV file");
        String sep = Pattern.quote(String.valueOf(delimiter));
        String[] first = lines.getFirst().split(sep, -1);
        int cols = first.length, label = -1;
        if (header)
            for (int c = 0; c < cols; c++) if (first[c].strip().equals(labelColumn)) label = c;
        if (label < 0) {
            try {
                label = Integer.parseInt(labelColumn.strip());
                if (label < 0) label += cols;
            } catch (NumberFormatException e) {
                throw new IOException(file + ": no column named '" + labelColumn + "'" + (header ? "" : " (the file has no header)"));
            }
            if (label < 0 || label >= cols) throw new IOException(file + ": label column " + labelColumn + " is out of range for " + cols + " columns");
        }
        int n = lines.size() - (header ? 1 : 0);
        float[] x = new float[n * (cols - 1)];
        float[] yf = new float[n];
        for (int r = 0; r < n; r++) {
            String[] f = lines.get(r + (header ? 1 : 0)).split(sep, -1);
            if (f.length != cols) throw new IOException(file + ":" + (r + 1 + (header ? 1 : 0)) + ": expected " + cols + " fields, got " + f.length);
            for (int c = 0, k = 0; c < cols; c++) {
                float v;
                try {
                    v = Float.parseFloat(f[c].strip());
                } catch (NumberFormatException e) {
                    throw new IOException(file + ":" + (r + 1 + (header ? 1 : 0)) + ": not a number: '" + f[c].strip() + "'");
                }
                if (c == label) yf[r] = v;
                else x[r * (cols - 1) + k++] = v;
            }
        }
        Tensor y;
        if (classLabels) {
            long[] yl = new long[n];
            for (int i = 0; i < n; i++) yl[i] = (long) yf[i];
            y = Tensor.ofLongs(yl, n);
        } else y = Tensor.of(yf, n, 1);
        return new TensorDataset(Tensor.of(x, n, cols - 1), y);
    }

    /** "mnist" / "fashion-mnist", split "train" or "test", from {@code folder}, the cache folder or /usr/share/datasets. */
    public static TensorDataset named(String name, String split, Path folder) throws IOException {
        if (!name.equals("mnist") && !name.equals("fashion-mnist"))
            throw new IOException("unknown dataset '" + name + "'; known: fashion-mnist, mnist");
        if (!split.equals("train") && !split.equals("test"))
            throw new IOException("dataset " + name + ": split must be 'train' or 'test', got '" + split + "'");
        String prefix = split.equals("train") ? "train" : "t10k";
        List<Path> places = new ArrayList<>();
        if (folder != null) places.add(folder);
        places.add(Path.of(System.getProperty("user.home"), ".cache", "nabla", "datasets", name));
        places.add(Path.of("/usr/share/datasets", name));
        for (Path dir : places) {
            Path im = find(dir, prefix + "-images-idx3-ubyte"), lb = find(dir, prefix + "-labels-idx1-ubyte");
            if (im != null && lb != null) return idx(im, lb);
        }
        throw new IOException("dataset " + name + " (" + split + ") not found in " + places + "; download its four IDX files ("
                + prefix + "-images-idx3-ubyte.gz, ...) into one of these folders");
    }

    private static Path find(Path dir, String base) {
        for (String suffix : new String[] {"", ".gz"}) {
            Path p = dir.resolve(base + suffix);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    private static TensorDataset dataset(Tensor x, Tensor y, Path xf, Path yf) throws IOException {
        if (x.rank() == 0 || y.rank() == 0 || x.size(0) != y.size(0))
            throw new IOException(xf + " and " + yf + ": " + (x.rank() == 0 ? "?" : x.size(0)) + " examples but "
                    + (y.rank() == 0 ? "?" : y.size(0)) + " labels");
        return new TensorDataset(x, y);
    }

    // ---------------------------------------------------------------- NPY

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiub])(\\d)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A .npy array: floating point as float32, integers and booleans as int64. */
    public static Tensor readNpy(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10 || (b[0] & 0xff) != 0x93 || !new String(b, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY"))
            throw new IOException(file + ": not a .npy file");
        int major = b[6];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int hlen = major == 1 ? Short.toUnsignedInt(bb.getShort(8)) : bb.getInt(8), start = major == 1 ? 10 : 12;
        if (start + hlen > b.length) throw new IOException(file + ": truncated .npy header");
        String header = new String(b, start, hlen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) throw new IOException(file + ": unsupported .npy header " + header.strip());
        if (f.group(1).equals("True")) throw new IOException(file + ": Fortran-order arrays are not supported here");
        List<Integer> dims = new ArrayList<>();
        for (String p : s.group(1).split(","))
            if (!p.isBlank()) dims.add(Integer.parseInt(p.strip()));
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        int n = 1;
        for (int v : shape) n = Math.multiplyExact(n, v);
        char kind = d.group(2).charAt(0);
        int size = Integer.parseInt(d.group(3));
        ByteBuffer data = ByteBuffer.wrap(b, start + hlen, b.length - start - hlen)
                .order(d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        if ((long) n * size > data.remaining()) throw new IOException(file + ": truncated .npy data");
        if (kind == 'f') {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = switch (size) {
                case 4 -> data.getFloat();
                case 8 -> (float) data.getDouble();
                default -> throw new IOException(file + ": unsupported float size " + size);
            };
            return Tensor.of(out, shape);
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = switch (size) {
            case 1 -> kind == 'i' ? data.get() : data.get() & 0xffL;
            case 2 -> kind == 'i' ? data.getShort() : data.getShort() & 0xffffL;
            case 4 -> kind == 'i' ? data.getInt() : data.getInt() & 0xffffffffL;
            case 8 -> data.getLong();
            default -> throw new IOException(file + ": unsupported integer size " + size);
        };
        return Tensor.ofLongs(out, shape);
    }

    /** Writes float32 as {@code <f4} and int64 as {@code <i8}, C order, NPY 1.0, atomically. */
    public static void writeNpy(Path file, Tensor t) throws IOException {
        t = t.contiguous();
        boolean f = t.dtype() == DType.FLOAT32;
        StringBuilder shape = new StringBuilder("(");
        int[] s = t.shape();
        for (int i = 0; i < s.length; i++) shape.append(i == 0 ? "" : ", ").append(s[i]);
        shape.append(s.length == 1 ? ",)" : ")");
        StringBuilder h = new StringBuilder("{'descr': '" + (f ? "<f4" : "<i8") + "', 'fortran_order': False, 'shape': " + shape + ", }");
        while ((10 + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        ByteBuffer bb = ByteBuffer.allocate(10 + h.length() + t.numel() * (f ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0).putShort((short) h.length());
        bb.put(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (f) for (float v : t.toFloatArray()) bb.putFloat(v);
        else for (long v : t.toLongArray()) bb.putLong(v);
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        Files.write(tmp, bb.array());
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---------------------------------------------------------------- IDX

    private record Idx(int[] dims, byte[] data) {}

    private static Idx readIdx(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b)
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                raw = in.readAllBytes();
            }
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        if (raw.length < 4 || raw[0] != 0 || raw[1] != 0) throw new IOException(file + ": not an IDX file");
        if ((raw[2] & 0xff) != 0x08) throw new IOException(file + ": only unsigned-byte IDX files are supported");
        int nd = raw[3];
        int[] dims = new int[nd];
        long n = 1;
        for (int i = 0; i < nd; i++) n *= dims[i] = bb.getInt(4 + 4 * i);
        int start = 4 + 4 * nd;
        if (raw.length - start != n) throw new IOException(file + ": expected " + n + " data bytes, found " + (raw.length - start));
        return new Idx(dims, java.util.Arrays.copyOfRange(raw, start, raw.length));
    }
}
