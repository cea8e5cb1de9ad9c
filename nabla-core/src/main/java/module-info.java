/** Nabla's engine: tensors, reverse-mode autograd, the op set, CPU kernels and tensor file formats. */
module dev.nabla.core {
    requires jdk.incubator.vector;

    exports dev.nabla.tensor;
    exports dev.nabla.autograd;
    exports dev.nabla.ops;
    exports dev.nabla.kernel;
    exports dev.nabla.io;
}
