package dev.nabla.tensor;

/** Element types a tensor can hold. Arithmetic and autograd are float32; int64 carries labels and indices. */
public enum DType {
    FLOAT32(4, "F32"),
    INT64(8, "I64");

    private final int byteSize;
    private final String safetensorsName;

    DType(int byteSize, String safetensorsName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype's name in the safetensors header ("F32", "I64"). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** PyTorch's spelling, used in messages ("float32", "int64"). */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
