package dev.nabla.ops;

import dev.nabla.tensor.Tensor;

/** softmax, log_softmax, logsumexp. (STUB: being written.) */
public final class Softmax {
    private Softmax() {}
    public static Tensor softmax(Tensor x, int dim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor logSoftmax(Tensor x, int dim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor logsumexp(Tensor x, int[] dims, boolean keepdim) { throw new UnsupportedOperationException("not implemented yet"); }
}
