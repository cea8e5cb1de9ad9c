package dev.nabla.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.cli.Main;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs a config of {@code examples/} through {@code nabla train} and reads what it wrote. */
final class ConfigRuns {
    private ConfigRuns() {}

    /** The examples folder (the tests run in nabla-examples/). */
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    /** {@code nabla train examples/NAME --set output.dir=OUT --set ...}; returns metrics.json. */
    static Map<String, Object> train(String config, Path out, String... sets) throws IOException {
        List<String> args = new ArrayList<>(List.of("train", EXAMPLES.resolve(config).toString(), "--set", "output.dir=" + out));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        assertEquals(0, Main.run(args.toArray(String[]::new)), "nabla " + String.join(" ", args));
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")), "no weights in " + out);
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
        return metrics;
    }

    static double number(Map<String, Object> metrics, String key) {
        Object v = metrics.get(key);
        assertTrue(v instanceof Number, key + " missing from metrics.json: " + metrics);
        return ((Number) v).doubleValue();
    }
}
