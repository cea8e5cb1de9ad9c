package dev.nabla.data;

import dev.nabla.io.Npy;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class DataSourcesTest {
    @Test
    void npyPairs(@TempDir Path dir) throws IOException {
        Npy.write(dir.resolve("x.npy"), Tensor.arange(6).reshape(3, 2));
        Npy.write(dir.resolve("y.npy"), Tensor.ofLongs(new long[] {2, 0, 1}, 3));
        TensorDataset d = DataSources.npy(dir.resolve("x.npy"), dir.resolve("y.npy"));
        assertEquals(3, d.size());
        assertArrayEquals(new float[] {4, 5}, d.batch(new int[] {2}).x().toFloatArray());
        assertEquals(DType.INT64, d.y().dtype());
        Npy.write(dir.resolve("y4.npy"), Tensor.ofLongs(new long[] {1, 2, 3, 4}, 4));
        var e = assertThrows(IOException.class, () -> DataSources.npy(dir.resolve("x.npy"), dir.resolve("y4.npy")));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void npyIntegerFeaturesStayInt64(@TempDir Path dir) throws IOException {
        // token windows: inputs [N, T] and next-token targets [N, T], both int64
        Npy.write(dir.resolve("x.npy"), Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Npy.write(dir.resolve("y.npy"), Tensor.ofLongs(new long[] {2, 3, 4, 5, 6, 7}, 2, 3));
        TensorDataset d = DataSources.npy(dir.resolve("x.npy"), dir.resolve("y.npy"));
        assertEquals(DType.INT64, d.x().dtype());
        assertEquals(DType.INT64, d.y().dtype());
        assertArrayEquals(new long[] {4, 5, 6}, d.batch(new int[] {1}).x().toLongArray());
        assertArrayEquals(new long[] {5, 6, 7}, d.batch(new int[] {1}).y().toLongArray());
    }

    @Test
    void csvWithHeaderLabelColumnAndErrorsNamingTheLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, "a,label,b\n1,0,2\n\n3,1,4\n5,2,6\n");
        TensorDataset d = DataSources.csv(f, true, "label", ',', true);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.x().toFloatArray());
        assertArrayEquals(new long[] {0, 1, 2}, d.y().toLongArray());
        TensorDataset reg = DataSources.csv(f, true, "-1", ',', false);
        assertArrayEquals(new int[] {3, 1}, reg.y().shape());
        assertArrayEquals(new float[] {2, 4, 6}, reg.y().toFloatArray());
        Files.writeString(f, "1;2;3\n4;x;6\n");
        var e = assertThrows(IOException.class, () -> DataSources.csv(f, false, "0", ';', true));
        assertEquals(f + ":2: column 2 is not a number: 'x'", e.getMessage());
        Files.writeString(f, "1,2,3\n4,5\n");
        var c = assertThrows(IOException.class, () -> DataSources.csv(f, false, "0", ',', true));
        assertEquals(f + ":2: has 2 columns, the first line has 3", c.getMessage());
        Files.writeString(f, "a,b\n1,2\n");
        var n = assertThrows(IOException.class, () -> DataSources.csv(f, true, "label", ',', true));
        assertTrue(n.getMessage().contains("no column named 'label'; the header has a, b"), n.getMessage());
    }

    /** Writes a tiny IDX pair: n images of 2×3 pixels and their labels, gzip-compressed. */
    static void tinyIdx(Path images, Path labels, int n) throws IOException {
        ByteBuffer img = ByteBuffer.allocate(16 + n * 6).putInt(0x803).putInt(n).putInt(2).putInt(3);
        ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 6; p++) img.put((byte) (i * 10 + p * 40));
            lab.put((byte) (i % 10));
        }
        Files.write(images, gzip(img.array()));
        Files.write(labels, gzip(lab.array()));
    }

    static byte[] gzip(byte[] b) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void idxImagesGetAChannelDimAndUnitScale(@TempDir Path dir) throws IOException {
        tinyIdx(dir.resolve("i.gz"), dir.resolve("l.gz"), 4);
        TensorDataset d = DataSources.idx(dir.resolve("i.gz"), dir.resolve("l.gz"));
        assertArrayEquals(new int[] {4, 1, 2, 3}, d.x().shape());
        assertEquals(200f / 255f, d.x().get(0, 0, 1, 2), 1e-7);
        assertArrayEquals(new long[] {0, 1, 2, 3}, d.y().toLongArray());
    }

    @Test
    void namedDatasetFromAGivenFolderOrTheDebianPackage(@TempDir Path dir) throws IOException {
        tinyIdx(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"), 3);
        assertEquals(3, DataSources.named("fashion-mnist", "test", dir).size());
        var e = assertThrows(IOException.class, () -> DataSources.named("cifar", "train", dir));
        assertTrue(e.getMessage().contains("unknown dataset 'cifar'"), e.getMessage());
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")),
                "Debian's dataset-fashion-mnist is not installed");
        TensorDataset test = DataSources.named("fashion-mnist", "test", null);
        assertEquals(10000, test.size());
        assertArrayEquals(new int[] {10000, 1, 28, 28}, test.x().shape());
        assertEquals(9, test.y().getLong(0), "the first test image is an ankle boot");
    }

    @Test
    void downloadsAreVerifiedAndFailuresSayHowToGetTheData(@TempDir Path dir) throws Exception {
        Path served = dir.resolve("served");
        Files.createDirectories(served);
        tinyIdx(served.resolve("train-images-idx3-ubyte.gz"), served.resolve("train-labels-idx1-ubyte.gz"), 5);
        ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread serving = Thread.ofPlatform().daemon().start(() -> serve(server, served));
        try {
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/";
            String[] files = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"};
            Map<String, String> md5 = Map.of(files[0], md5(served.resolve(files[0])), files[1], md5(served.resolve(files[1])));
            var spec = new NamedDatasets.Spec("tiny", url, Map.of("train", files), md5, null);
            Path cache = dir.resolve("cache");
            NamedDatasets.download(spec, cache, url, files);
            assertEquals(5, DataSources.idx(cache.resolve(files[0]), cache.resolve(files[1])).size());

            var bad = new NamedDatasets.Spec("tiny", url, Map.of("train", files), Map.of(files[0], "0".repeat(32), files[1], md5.get(files[1])), null);
            var e = assertThrows(IOException.class, () -> NamedDatasets.download(bad, dir.resolve("cache2"), url, files));
            assertTrue(e.getMessage().contains("has MD5") && e.getMessage().contains("expected 000"), e.getMessage());
            try (var s = Files.list(dir.resolve("cache2"))) {
                assertEquals(0, s.count(), "a file that fails verification is not kept");
            }
        } finally {
            server.close();
            serving.join(5000);
        }
        var none = assertThrows(IOException.class,
                () -> NamedDatasets.load("mnist", "train", dir.resolve("empty"), dir.resolve("cache3"), "http://127.0.0.1:9/"));
        assertTrue(none.getMessage().startsWith("mnist (train) is not on this machine: looked in"), none.getMessage());
        assertTrue(none.getMessage().contains("Put train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz into"), none.getMessage());
    }

    /** A minimal HTTP/1.0 file server on loopback for the download test: GET /name answers the file or 404. */
    private static void serve(ServerSocket server, Path root) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream()));
                String request = in.readLine();
                for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) { }
                Path p = request == null ? null : root.resolve(request.split(" ")[1].substring(1));
                var out = s.getOutputStream();
                if (p != null && Files.isRegularFile(p)) {
                    byte[] body = Files.readAllBytes(p);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes());
                    out.write(body);
                } else {
                    out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes());
                }
                out.flush();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static String md5(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(p)));
    }
}
