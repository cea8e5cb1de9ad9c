package dev.nabla.train.callback;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressBarTest {
    @Test
    void learningRatesReadInThreeSignificantDigits() {
        assertEquals("0.00100", ProgressBar.rate(1e-3));
        assertEquals("0.000500", ProgressBar.rate(5e-4));
        assertEquals("1.50e-09", ProgressBar.rate(1.5e-9));
        assertEquals("0", ProgressBar.rate(0.0)); // the end of a cosine schedule, not "0.00"
    }
}
