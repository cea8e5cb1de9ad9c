package dev.nabla.examples;

import dev.nabla.data.NamedDatasets;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Skips a test when Fashion-MNIST is not on disk (the tests never download it). */
final class FashionData {
    private FashionData() {}

    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    static void assumePresent() {
        List<Path> dirs = new ArrayList<>();
        String env = System.getenv("FASHION_MNIST_DIR");
        if (env != null && !env.isBlank()) dirs.add(Path.of(env));
        dirs.add(NamedDatasets.cacheDir().resolve("fashion-mnist"));
        dirs.add(Path.of("/usr/share/datasets/fashion-mnist"));
        boolean found = dirs.stream().anyMatch(d -> {
            for (String f : FILES)
                if (!Files.isRegularFile(d.resolve(f + ".gz")) && !Files.isRegularFile(d.resolve(f))) return false;
            return true;
        });
        Assumptions.assumeTrue(found, "Fashion-MNIST is not in " + dirs + " (apt-get install dataset-fashion-mnist)");
    }
}
