package dev.nabla.ops;

import dev.nabla.tensor.Tensor;

/** index_select, gather, scatter_add, embedding, one_hot. (STUB: being written.) */
public final class Indexing {
    private Indexing() {}
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor gather(Tensor x, int dim, Tensor index) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor embedding(Tensor indices, Tensor weight) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor oneHot(Tensor indices, int numClasses) { throw new UnsupportedOperationException("not implemented yet"); }
}
