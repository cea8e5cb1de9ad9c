package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.FusedLinear;
import dev.nabla.tensor.Tensor;

import java.util.List;

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

    /**
     * Applies the children in order; a {@link Linear} directly followed by a {@link ReLU} or {@link GELU} runs
     * as one fused op ({@link FusedLinear}: the same values, one graph node, the bias gradient summed in the
     * activation's backward pass), and so does a {@link Conv2d} directly followed by a {@link ReLU}.
     */
    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        List<Module> mods = children();
        for (int i = 0; i < mods.size(); i++) {
            Module m = mods.get(i);
            FusedLinear.Activation act = m instanceof Linear && i + 1 < mods.size() ? fusable(mods.get(i + 1)) : null;
            if (act != null) {
                x = ((Linear) m).forward(x, act);
                i++;
            } else if (m instanceof Conv2d conv && i + 1 < mods.size() && mods.get(i + 1) instanceof ReLU) {
                x = conv.forwardRelu(x);
                i++;
            } else {
                x = m.forward(x);
            }
        }
        return x;
    }

    private static FusedLinear.Activation fusable(Module next) {
        return switch (next) {
            case ReLU _ -> FusedLinear.Activation.RELU;
            case GELU gelu -> gelu.activation();
            default -> null;
        };
    }
}
