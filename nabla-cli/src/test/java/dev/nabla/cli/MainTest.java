package dev.nabla.cli;

import dev.nabla.cli.bench.LinearRegression;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {
    @Test
    void linearRegressionLossFallsAsInPyTorch() {
        LinearRegression.Result r = LinearRegression.fit(1000, 0.01f, 0, (e, l) -> { });
        // PyTorch's run of the same program ends with b near 5.8: 1000 steps at lr 0.01 do not converge.
        assertTrue(r.finalMse() < r.initialMse() / 5, r.toString());
        assertTrue(r.bias() > 4 && r.bias() < 8, r.toString());
        LinearRegression.Result longer = LinearRegression.fit(5000, 0.05f, 0, (e, l) -> { });
        assertTrue(longer.finalMse() < 1e-3, longer.toString());
        assertEquals(10, longer.bias(), 0.1);
    }

    @Test
    void badArgumentsGiveOneLineErrorsAndNonZeroExit() {
        PrintStream old = System.err;
        var buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            assertEquals(1, Main.run("demo", "--epochs", "0"));
            assertNotEquals(0, Main.run("demo", "--nope"));
        } finally {
            System.setErr(old);
        }
        String err = buf.toString();
        assertTrue(err.contains("nabla: --epochs must be at least 1, got 0"), err);
        assertFalse(err.contains("\tat "), "no stack trace without --debug: " + err);
    }
}
