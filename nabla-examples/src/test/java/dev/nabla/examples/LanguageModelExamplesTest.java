package dev.nabla.examples;

import dev.nabla.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The language-model examples on the GNU GPL, shortened to 4 epochs: the validation loss must end clearly
 * below the unigram baseline (the entropy of the text's character frequencies, which a model that learned
 * nothing about context cannot beat), and `nabla generate` must continue a prompt.
 */
class LanguageModelExamplesTest {
    private static final Path GPL = Path.of("/usr/share/common-licenses/GPL-3");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"char-gpt.yaml", "lstm-lm.yaml"})
    void learnsBeyondTheUnigramBaselineAndGenerates(String config) throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(GPL), "no " + GPL + " on this machine");
        double baseline = unigramEntropy(Files.readString(GPL));
        assertEquals(3.17, baseline, 0.01, "the baseline the example configs quote");
        Path out = dir.resolve("run");
        Map<String, Object> m = ConfigRuns.train(config, out, "training.epochs=4");
        double val = ConfigRuns.number(m, "val_loss");
        assertTrue(val < baseline - 0.5, config + ": validation loss " + val + " is not clearly below the unigram baseline " + baseline);

        var buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("generate", ConfigRuns.EXAMPLES.resolve(config).toString(), "--set", "output.dir=" + out,
                    "--prompt", "This License ", "--max-new-tokens", "60", "--temperature", "0.8", "--seed", "1"));
        } finally {
            System.setOut(old);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("This License ") && text.strip().length() > "This License ".length() + 30, text);
    }

    /** Entropy in nats of the code-point frequencies. */
    static double unigramEntropy(String text) {
        Map<Integer, Integer> counts = new HashMap<>();
        text.codePoints().forEach(c -> counts.merge(c, 1, Integer::sum));
        double n = text.codePointCount(0, text.length()), h = 0;
        for (int c : counts.values()) h -= c / n * Math.log(c / n);
        return h;
    }
}
