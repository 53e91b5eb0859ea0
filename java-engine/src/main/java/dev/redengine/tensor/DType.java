package dev.redengine.tensor;

/**
 * Element types a {@link Tensor} can hold. Compute is float32; int32 carries token ids and targets; BF16 and
 * F16 are storage types (weights kept at half the bytes, converted by the backend's {@code cast}).
 */
public enum DType {
    F32(4),
    I32(4),
    BF16(2),
    F16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this != I32;
    }
}
