package dev.nabla.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nabla.train.History;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.json}: one flat object of a run's final figures: the last epoch's {@code loss}, metrics and
 * {@code val_} figures, the {@code test_} figures when there is a test set, {@code epochs}, {@code steps},
 * {@code train_samples_per_s} (mean over the epochs) and {@code lr}.
 */
public final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunReport() {}

    public static Map<String, Object> figures(History history, Map<String, Double> test) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Double> last = history.size() == 0 ? Map.of() : history.epochs().getLast();
        for (var e : last.entrySet()) {
            String k = e.getKey();
            if (k.equals("epoch") || k.equals("steps") || k.equals("samples_per_s") || k.equals("lr")) continue;
            out.put(k, finite(e.getValue()));
        }
        if (test != null) test.forEach((k, v) -> out.put("test_" + k, finite(v)));
        out.put("epochs", history.size());
        out.put("steps", last.containsKey("steps") ? last.get("steps").longValue() : 0L);
        double[] sps = history.series("samples_per_s");
        double sum = 0;
        int n = 0;
        for (double v : sps)
            if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
        out.put("train_samples_per_s", n == 0 ? null : sum / n);
        if (last.containsKey("lr")) out.put("lr", last.get("lr"));
        return out;
    }

    private static Double finite(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }

    /** Writes {@code value} as indented JSON, atomically. */
    public static void writeJson(Path file, Object value) throws IOException {
        writeText(file, JSON.writeValueAsString(value) + "\n");
    }

    /** Writes text through a temporary file and a rename. */
    public static void writeText(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
