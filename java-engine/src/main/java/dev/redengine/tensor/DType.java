package dev.redengine.tensor;

/** Element types a {@link Tensor} can hold. Compute is float32; int32 carries token ids and targets. */
public enum DType {
    F32(4),
    I32(4);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }
}
