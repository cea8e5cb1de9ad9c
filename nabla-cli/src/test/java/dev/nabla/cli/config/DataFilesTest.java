package dev.nabla.cli.config;

import dev.nabla.data.TensorDataset;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** The local data readers behind {@link DataFiles} (until dev.nabla.data.DataSources replaces them). */
class DataFilesTest {
    @TempDir
    Path dir;

    @Test
    void npyRoundTripsFloat32AndInt64() throws IOException {
        Path f = dir.resolve("a.npy"), l = dir.resolve("b.npy");
        Tensor x = Tensor.of(new float[] {1, -2.5f, 3, 4, 5, 6}, 2, 3);
        DataFiles.writeNpy(f, x);
        DataFiles.writeNpy(l, Tensor.ofLongs(new long[] {7, -1}, 2));
        byte[] raw = Files.readAllBytes(f);
        assertEquals(0, (10 + ByteBuffer.wrap(raw, 8, 2).order(java.nio.ByteOrder.LITTLE_ENDIAN).getShort()) % 64);
        assertTrue(new String(raw, 10, 60).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        Tensor back = DataFiles.readNpy(f);
        assertArrayEquals(new int[] {2, 3}, back.shape());
        assertArrayEquals(x.toFloatArray(), back.toFloatArray());
        TensorDataset d = DataFiles.npy(f, l);
        assertEquals(DType.INT64, d.y().dtype());
        assertArrayEquals(new long[] {7, -1}, d.y().toLongArray());
        DataFiles.writeNpy(l, Tensor.ofLongs(new long[] {1, 2, 3}, 3));
        IOException e = assertThrows(IOException.class, () -> DataFiles.npy(f, l));
        assertTrue(e.getMessage().contains("2 examples but 3 labels"), e.getMessage());
        Files.writeString(l, "not numpy");
        assertTrue(assertThrows(IOException.class, () -> DataFiles.readNpy(l)).getMessage().endsWith("not a .npy file"));
    }

    @Test
    void idxImagesAndLabelsPlainOrGzip() throws IOException {
        ByteBuffer im = ByteBuffer.allocate(4 + 12 + 2 * 2 * 2);
        im.put(new byte[] {0, 0, 8, 3}).putInt(2).putInt(2).putInt(2).put(new byte[] {0, (byte) 255, 51, 102, 1, 2, 3, 4});
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(im.array());
        }
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gz.toByteArray());
        ByteBuffer lb = ByteBuffer.allocate(4 + 4 + 2).put(new byte[] {0, 0, 8, 1}).putInt(2).put(new byte[] {9, 3});
        Files.write(dir.resolve("train-labels-idx1-ubyte"), lb.array());
        TensorDataset d = DataFiles.named("fashion-mnist", "train", dir);
        assertArrayEquals(new int[] {2, 1, 2, 2}, d.x().shape());
        assertEquals(1f, d.x().get(0, 0, 0, 1));
        assertEquals(0.2f, d.x().get(0, 0, 1, 0), 1e-6);
        assertArrayEquals(new long[] {9, 3}, d.y().toLongArray());
        IOException e = assertThrows(IOException.class, () -> DataFiles.named("cifar-10", "train", dir));
        assertEquals("unknown dataset 'cifar-10'; known: fashion-mnist, mnist", e.getMessage());
        e = assertThrows(IOException.class, () -> DataFiles.named("mnist", "valid", dir));
        assertTrue(e.getMessage().contains("split must be 'train' or 'test'"), e.getMessage());
    }

    @Test
    void csvWithHeaderAndLabelByNameOrIndex() throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, "a,label,b\n1.5,0,2\n-1,2,0.25\n");
        TensorDataset d = DataFiles.csv(f, true, "label", ',', true);
        assertArrayEquals(new float[] {1.5f, 2, -1, 0.25f}, d.x().toFloatArray());
        assertArrayEquals(new long[] {0, 2}, d.y().toLongArray());
        TensorDataset r = DataFiles.csv(f, true, "-1", ',', false);
        assertArrayEquals(new int[] {2, 1}, r.y().shape());
        assertArrayEquals(new float[] {2, 0.25f}, r.y().toFloatArray());
        Files.writeString(f, "1;x\n");
        IOException e = assertThrows(IOException.class, () -> DataFiles.csv(f, false, "0", ';', true));
        assertTrue(e.getMessage().endsWith("d.csv:1: not a number: 'x'"), e.getMessage());
    }
}
