package dev.nabla.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The image datasets known by name. Each is four IDX files; they are looked for, in order, in the folder
 * the caller gives, in {@code $FASHION_MNIST_DIR} (fashion-mnist only), in the cache folder
 * ({@code $NABLA_DATA_DIR} or {@code ~/.cache/nabla/datasets}, then the dataset's name), and in
 * {@code /usr/share/datasets/<name>} (Debian's {@code dataset-fashion-mnist} package). When none has them,
 * they are downloaded into the cache and checked against their published MD5 sums; nothing here needs the
 * network when the files are on disk.
 */
public final class NamedDatasets {
    private NamedDatasets() {}

    /** A dataset's files (by split) and where they can be downloaded, with the MD5 of each .gz. */
    record Spec(String name, String url, Map<String, String[]> files, Map<String, String> md5, String install) {}

    private static final Map<String, Spec> KNOWN = new LinkedHashMap<>();

    static {
        Map<String, String[]> mnistLayout = Map.of(
                "train", new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"},
                "test", new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"});
        KNOWN.put("fashion-mnist", new Spec("fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                mnistLayout, Map.of(
                "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
                "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
                "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
                "apt-get install dataset-fashion-mnist"));
        KNOWN.put("mnist", new Spec("mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/", mnistLayout, Map.of(
                "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
                null));
    }

    /** The names {@link #load} knows. */
    public static List<String> names() {
        return List.copyOf(KNOWN.keySet());
    }

    /** The cache folder downloads go to: {@code $NABLA_DATA_DIR} or {@code ~/.cache/nabla/datasets}. */
    public static Path cacheDir() {
        String env = System.getenv("NABLA_DATA_DIR");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "nabla", "datasets");
    }

    public static TensorDataset load(String name, String split, Path folder) throws IOException {
        return load(name, split, folder, cacheDir(), null);
    }

    /** As {@link #load(String, String, Path)} with the cache folder and download address given (tests use a local server). */
    static TensorDataset load(String name, String split, Path folder, Path cache, String url) throws IOException {
        Spec spec = KNOWN.get(name.toLowerCase(Locale.ROOT));
        if (spec == null) throw new IOException("unknown dataset '" + name + "'; known: " + names());
        String[] files = spec.files().get(split.toLowerCase(Locale.ROOT));
        if (files == null) throw new IOException(name + ": unknown split '" + split + "'; use train or test");
        List<Path> candidates = new ArrayList<>();
        if (folder != null) candidates.add(folder);
        String env = spec.name().equals("fashion-mnist") ? System.getenv("FASHION_MNIST_DIR") : null;
        if (env != null && !env.isBlank()) candidates.add(Path.of(env));
        Path cached = cache.resolve(spec.name());
        candidates.add(cached);
        candidates.add(Path.of("/usr/share/datasets", spec.name()));
        for (Path dir : candidates) {
            Path images = pick(dir, files[0]), labels = pick(dir, files[1]);
            if (images != null && labels != null) return DataSources.idx(images, labels);
        }
        String why;
        try {
            download(spec, cached, url == null ? spec.url() : url, files);
            return DataSources.idx(cached.resolve(files[0]), cached.resolve(files[1]));
        } catch (IOException e) {
            why = e.getMessage();
        }
        throw new IOException(name + " (" + split + ") is not on this machine: looked in " + candidates
                + ", and the download failed (" + why + "). "
                + (spec.install() != null ? "Install it with `" + spec.install() + "`, or put " : "Put ")
                + String.join(" and ", files) + " into " + cached + " (or give the folder in the config).");
    }

    /** The file itself, or its uncompressed twin (name without .gz). */
    private static Path pick(Path dir, String gz) {
        Path p = dir.resolve(gz);
        if (Files.isRegularFile(p)) return p;
        Path plain = dir.resolve(gz.substring(0, gz.length() - 3));
        return Files.isRegularFile(plain) ? plain : null;
    }

    /** Fetches the missing files into {@code dir}, each to a temporary file that is verified, then renamed. */
    static void download(Spec spec, Path dir, String baseUrl, String[] files) throws IOException {
        Files.createDirectories(dir);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        for (String f : files) {
            Path target = dir.resolve(f);
            if (Files.isRegularFile(target)) continue;
            Path tmp = Files.createTempFile(dir, "." + f, ".part");
            try {
                HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + f)).timeout(Duration.ofMinutes(5)).GET().build();
                HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                if (resp.statusCode() != 200) {
                    resp.body().close();
                    throw new IOException("GET " + baseUrl + f + " answered HTTP " + resp.statusCode());
                }
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                try (InputStream in = resp.body(); var out = Files.newOutputStream(tmp)) {
                    byte[] buf = new byte[1 << 16];
                    for (int r; (r = in.read(buf)) > 0; ) {
                        md5.update(buf, 0, r);
                        out.write(buf, 0, r);
                    }
                }
                String got = HexFormat.of().formatHex(md5.digest()), want = spec.md5().get(f);
                if (!got.equals(want))
                    throw new IOException(baseUrl + f + " has MD5 " + got + ", expected " + want + " (corrupt or a different file)");
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("download of " + f + " was interrupted", e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no MD5", e);
            } catch (IOException e) {
                throw new IOException(e.getMessage() == null ? e.getClass().getSimpleName() + " fetching " + baseUrl + f : e.getMessage(), e);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
