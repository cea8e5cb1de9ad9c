package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.FusedLinear;
import dev.nabla.tensor.Tensor;

/** GELU, PyTorch's {@code nn.GELU(approximate='none')}; {@code approximate} is "none" (erf) or "tanh". */
public final class GELU extends Module {
    private final boolean tanh;

    public GELU() {
        this("none");
    }

    public GELU(String approximate) {
        this.tanh = switch (approximate) {
            case "none" -> false;
            case "tanh" -> true;
            case null, default -> throw new IllegalArgumentException("GELU: approximate must be 'none' or 'tanh', got '"
                    + approximate + "'");
        };
    }

    @Override
    public Tensor forward(Tensor input) {
        return tanh ? input.geluTanh() : input.gelu();
    }

    /** The activation a fused linear op applies for this module. */
    public FusedLinear.Activation activation() {
        return tanh ? FusedLinear.Activation.GELU_TANH : FusedLinear.Activation.GELU;
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + (tanh ? "tanh" : "none") + "'";
    }
}
