package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * PyTorch's {@code nn.Dropout(p=0.5)}: in training mode zeroes each element with probability p and scales the
 * rest by 1/(1-p); in eval mode returns its input unchanged.
 *
 * <p>Randomness comes from an explicit {@link Generator}, given to the constructor or set later with
 * {@link #setGenerator} (for a whole model: {@code model.apply(m -> { if (m instanceof Dropout d)
 * d.setGenerator(gen); })}). There is no global default: a training-mode forward without a generator is an error.
 */
public final class Dropout extends Module {
    private final float p;
    private Generator generator;

    public Dropout() {
        this(0.5f, null);
    }

    public Dropout(float p) {
        this(p, null);
    }

    public Dropout(float p, Generator generator) {
        if (!(p >= 0 && p <= 1))
            throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
        this.p = p;
        this.generator = generator;
    }

    public float p() { return p; }

    public Generator generator() { return generator; }

    public Dropout setGenerator(Generator generator) {
        this.generator = generator;
        return this;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (!isTraining() || p == 0) return input;
        if (generator == null)
            throw new IllegalStateException("Dropout: no Generator; pass one to the constructor or call setGenerator "
                    + "before a training-mode forward");
        return Functional.dropout(input, p, true, generator);
    }

    @Override
    protected String extraRepr() {
        return "p=" + py(p) + ", inplace=False";
    }
}
