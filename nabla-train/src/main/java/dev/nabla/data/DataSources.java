package dev.nabla.data;

import dev.nabla.io.Idx;
import dev.nabla.io.Npy;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Datasets read from files: NPY pairs, IDX (the MNIST layout), CSV, and the named image datasets. */
public final class DataSources {
    private DataSources() {}

    /**
     * Features and labels from two .npy files with the same first dim, as {@link Npy#read} gives them: float arrays
     * as float32, integer (and bool) arrays as int64. So integer features stay int64 (token ids for an embedding, e.g.
     * [N, T] windows with [N, T] next-token targets); a model that needs float inputs converts them
     * ({@code x.to(DType.FLOAT32)}). Integer labels are int64 (class indices), float labels float32 (regression targets).
     */
    public static TensorDataset npy(Path x, Path y) throws IOException {
        Tensor xs = Npy.read(x), ys = Npy.read(y);
        if (xs.rank() == 0 || ys.rank() == 0 || xs.size(0) != ys.size(0))
            throw new IOException("npy: " + x + " has shape " + Shape.str(xs.shape()) + " but " + y + " has shape "
                    + Shape.str(ys.shape()) + "; both need the same number of examples along dim 0");
        return new TensorDataset(xs, ys);
    }

    /**
     * IDX images (unsigned bytes [N, H, W]) scaled to [0, 1] as float32 [N, 1, H, W] (one channel, as
     * torchvision's ToTensor gives), and IDX labels as int64 [N]. Plain or gzip-compressed.
     */
    public static TensorDataset idx(Path images, Path labels) throws IOException {
        Tensor img = Idx.readImages(images);
        Tensor lab = Idx.read(labels);
        if (img.rank() != 3)
            throw new IOException("idx: " + images + " holds shape " + Shape.str(img.shape()) + ", not images [N, H, W]");
        if (lab.rank() != 1 || lab.size(0) != img.size(0))
            throw new IOException("idx: " + labels + " holds shape " + Shape.str(lab.shape()) + " but " + images
                    + " has " + img.size(0) + " images");
        return new TensorDataset(img.reshape(img.size(0), 1, img.size(1), img.size(2)), lab.to(DType.INT64));
    }

    /**
     * A CSV file of numbers: one example per line, the label in {@code labelColumn} (a header name, or a
     * 0-based index, negative from the end) and float32 features in the other columns. With
     * {@code classLabels} the labels must be whole numbers and become int64 [N]; otherwise float32 [N, 1].
     * Blank lines are skipped; a malformed line is an error naming the file and line.
     */
    public static TensorDataset csv(Path file, boolean header, String labelColumn, char delimiter, boolean classLabels)
            throws IOException {
        List<float[]> rows = new ArrayList<>();
        int columns = -1, label = -1, lineNo = 0;
        String split = java.util.regex.Pattern.quote(String.valueOf(delimiter));
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] cells = line.split(split, -1);
                if (columns < 0) {
                    columns = cells.length;
                    if (columns < 2) throw new IOException(file + ":" + lineNo + ": needs at least two columns (features and a label), found "
                            + columns + (delimiter == ',' ? "" : " (delimiter '" + delimiter + "')"));
                    label = labelIndex(file, header ? cells : null, labelColumn, columns);
                    if (header) continue;
                } else if (cells.length != columns) {
                    throw new IOException(file + ":" + lineNo + ": has " + cells.length + " columns, the first line has " + columns);
                }
                float[] row = new float[columns];
                for (int c = 0; c < columns; c++) {
                    String cell = cells[c].strip();
                    try {
                        row[c] = Float.parseFloat(cell);
                    } catch (NumberFormatException e) {
                        throw new IOException(file + ":" + lineNo + ": column " + (c + 1) + " is not a number: '" + cell + "'");
                    }
                }
                rows.add(row);
            }
        }
        if (rows.isEmpty()) throw new IOException(file + ": no data rows");
        int n = rows.size(), f = columns - 1;
        float[] x = new float[n * f];
        float[] yf = new float[n];
        long[] yl = new long[n];
        for (int i = 0; i < n; i++) {
            float[] row = rows.get(i);
            for (int c = 0, j = 0; c < columns; c++) if (c != label) x[i * f + j++] = row[c];
            float v = row[label];
            if (classLabels && (v != Math.rint(v) || v < 0))
                throw new IOException(file + ": the label of data row " + (i + 1) + " is " + v
                        + ", not a class index (a whole number >= 0)");
            yf[i] = v;
            yl[i] = (long) v;
        }
        Tensor y = classLabels ? Tensor.ofLongs(yl, n) : Tensor.of(yf, n, 1);
        return new TensorDataset(Tensor.of(x, n, f), y);
    }

    private static int labelIndex(Path file, String[] header, String labelColumn, int columns) throws IOException {
        if (header != null) {
            for (int c = 0; c < header.length; c++) if (header[c].strip().equals(labelColumn)) return c;
        }
        try {
            int i = Integer.parseInt(labelColumn.strip());
            int c = i < 0 ? i + columns : i;
            if (c < 0 || c >= columns) throw new IOException(file + ": label column " + i + " is outside the " + columns + " columns");
            return c;
        } catch (NumberFormatException e) {
            throw new IOException(file + ": no column named '" + labelColumn + "'"
                    + (header == null ? " (the file has no header; give a column index)" : "; the header has " + String.join(", ", header)));
        }
    }

    /**
     * A named dataset ("fashion-mnist" or "mnist") split ("train" or "test"), found in {@code folder} (may be
     * null), then in the cache folder, then in the Debian package folder, and downloaded and verified into the
     * cache when none has it and the machine is online. See {@link NamedDatasets}.
     */
    public static TensorDataset named(String name, String split, Path folder) throws IOException {
        return NamedDatasets.load(name, split, folder);
    }
}
