package dev.nabla;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.nabla.ops.Functional.crossEntropy;
import static dev.nabla.ops.Functional.linear;
import static org.junit.jupiter.api.Assertions.*;

/** The README's "taste of the API" snippet, as written there, must run and lower the loss. */
class ReadmeExampleTest {
    @Test
    void snippetRunsAndOneStepLowersTheLoss() {
        Generator gen = new Generator(0);
        Tensor x = Tensor.rand(gen, 64, 784);
        Tensor y = Tensor.randint(gen, 0, 10, 64);
        Tensor w = Tensor.randn(gen, 10, 784).mul(0.01f).detach().requiresGrad(true);
        Tensor b = Tensor.zeros(10).requiresGrad(true);

        Tensor loss = crossEntropy(linear(x, w, b), y);
        loss.backward();
        try (var _ = NoGrad.enter()) {
            w.add_(w.grad(), -0.1f);
            b.add_(b.grad(), -0.1f);
        }

        assertArrayEquals(new int[] {10, 784}, w.grad().shape());
        assertEquals(Math.log(10), loss.item(), 0.1, "small random weights start near ln(10)");
        float after = crossEntropy(linear(x, w, b), y).item();
        assertTrue(after < loss.item(), "one gradient step must lower the loss: " + loss.item() + " -> " + after);
    }
}
