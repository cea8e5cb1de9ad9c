package dev.nabla.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Classification metrics over a sequence model's [B, T, V] outputs through {@code nabla train}. */
class SequenceMetricsCommandTest {
    @TempDir
    Path dir;

    private static TrainCommandTest.Result ok(String... args) {
        TrainCommandTest.Result r = TrainCommandTest.run(args);
        assertEquals(0, r.code(), "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    private static double num(Map<String, Object> m, String key) {
        assertTrue(m.containsKey(key), key + " in " + m);
        return ((Number) m.get(key)).doubleValue();
    }

    @Test
    void gptReportsAccuracyOverEveryPosition() throws IOException {
        Files.writeString(dir.resolve("corpus.txt"), LanguageModelCommandTest.CORPUS);
        Path cfg = dir.resolve("gpt.yaml");
        Files.writeString(cfg, LanguageModelCommandTest.GPT_RUN.replace("loss: {type: CrossEntropyLoss}",
                "loss: {type: CrossEntropyLoss}\nmetrics: [accuracy, top3_accuracy]"));
        ok("train", cfg.toString());
        Map<String, Object> m = TrainCommandTest.json(dir.resolve("out/metrics.json"));
        double acc = num(m, "accuracy"), val = num(m, "val_accuracy"), top3 = num(m, "top3_accuracy");
        // the corpus repeats one sentence: after training nearly every next character is predictable
        assertTrue(val > 0.6 && val <= 1, "val_accuracy " + val);
        assertTrue(acc > 0.5 && acc <= 1, "accuracy " + acc);
        assertTrue(top3 >= acc && top3 <= 1, "top3_accuracy " + top3 + " vs accuracy " + acc);
    }

    @Test
    void lstmMetricsSkipTheLossIgnoreIndex() throws IOException {
        byte[] bytes = LanguageModelCommandTest.CORPUS.getBytes(StandardCharsets.UTF_8);
        int t = 12, n = (bytes.length - 1) / t;
        long[] x = new long[n * t], y = new long[n * t];
        for (int i = 0; i < n * t; i++) {
            x[i] = bytes[i];
            y[i] = i % 5 == 0 ? -1 : bytes[i + 1]; // a fifth of the positions carry no target
        }
        NpyFiles.longs(dir.resolve("x.npy"), x, n, t);
        NpyFiles.longs(dir.resolve("y.npy"), y, n, t);
        Path cfg = dir.resolve("lstm.yaml");
        Files.writeString(cfg, """
                model:
                  layers:
                    - {type: Embedding, num_embeddings: 128, embedding_dim: 16}
                    - {type: LSTM, input_size: 16, hidden_size: 32, batch_first: true}
                    - {type: Linear, in_features: 32, out_features: 128}
                data:
                  train: {format: npy, x: x.npy, y: y.npy}
                  val: {split_from_train: 0.1}
                  batch_size: 16
                  num_classes: 128
                loss: {type: CrossEntropyLoss, ignore_index: -1}
                metrics: [accuracy, f1_micro, precision_micro]
                optimizer: {type: Adam, lr: 0.02}
                training: {epochs: 4, seed: 3, progress: false, checkpoints: false}
                output: {dir: lstm-out, chart: false}
                """);
        ok("train", cfg.toString());
        Map<String, Object> m = TrainCommandTest.json(dir.resolve("lstm-out/metrics.json"));
        double acc = num(m, "val_accuracy");
        // the -1 targets are neither counted wrong by accuracy nor rejected by the confusion matrix; over the same
        // positions micro-averaged F1 and precision equal accuracy
        assertTrue(acc > 0.5, "val_accuracy " + acc);
        assertEquals(acc, num(m, "val_f1_micro"), 1e-9);
        assertEquals(acc, num(m, "val_precision_micro"), 1e-9);
    }
}
