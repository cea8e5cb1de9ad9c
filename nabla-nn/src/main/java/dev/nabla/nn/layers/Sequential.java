package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Tensor;

/** Applies its children in order, PyTorch's {@code nn.Sequential}; children are named "0", "1", .... */
public final class Sequential extends Module {
    private int size;

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module under the next index; returns this. */
    public Sequential add(Module module) {
        registerModule(String.valueOf(size), module);
        size++;
        return this;
    }

    /** The module at {@code index} (negative counts from the end). */
    public Module get(int index) {
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size)
            throw new IndexOutOfBoundsException("Sequential: index " + index + " is out of range for " + size + " modules");
        return namedChildren().get(String.valueOf(i));
    }

    public int size() {
        return size;
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : children()) x = m.forward(x);
        return x;
    }
}
