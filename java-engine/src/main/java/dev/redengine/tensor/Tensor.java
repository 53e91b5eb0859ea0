package dev.redengine.tensor;

import java.util.Arrays;

/**
 * A dense, row-major view of {@link Storage}: (storage, byte offset, dtype, shape). The storage belongs to one
 * backend, host or device; a tensor is only a description of where its elements are, so {@link #view} and
 * {@link #slice} work the same on every backend and nothing here copies or reads memory. Elements are read and
 * written by the owning backend's ops, and moved to and from the host with its {@code upload} and
 * {@code download}.
 */
public final class Tensor {
    private final Storage storage;
    private final long byteOffset;
    private final DType dtype;
    private final int[] shape;
    private final long numel;

    public Tensor(Storage storage, long byteOffset, DType dtype, int... shape) {
        this.storage = storage;
        this.byteOffset = byteOffset;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.numel = count(shape);
        if (byteOffset < 0 || byteOffset % dtype.byteSize() != 0
                || byteOffset + numel * dtype.byteSize() > storage.byteSize()) {
            throw new IllegalArgumentException(dtype + Arrays.toString(shape) + " at byte offset " + byteOffset
                    + " does not fit a storage of " + storage.byteSize() + " bytes");
        }
    }

    public static long count(int... shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    public Storage storage() {
        return storage;
    }

    /** Where the first element is, in bytes from the start of the storage. */
    public long byteOffset() {
        return byteOffset;
    }

    public long byteSize() {
        return numel * dtype.byteSize();
    }

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public long numel() {
        return numel;
    }

    /** Rows when the tensor is read as a matrix [rows, last dim]. */
    public int rows() {
        return Math.toIntExact(numel / shape[shape.length - 1]);
    }

    /** Same storage, another shape with the same element count. */
    public Tensor view(int... newShape) {
        if (count(newShape) != numel) {
            throw new IllegalArgumentException("cannot view " + Arrays.toString(shape) + " as " + Arrays.toString(newShape));
        }
        return new Tensor(storage, byteOffset, dtype, newShape);
    }

    /**
     * The elements [elementOffset, elementOffset + count(shape)) of this tensor, flattened, as a tensor of
     * {@code shape}: how named parameters are carved out of one flat buffer.
     */
    public Tensor viewAt(long elementOffset, int... newShape) {
        if (elementOffset < 0 || elementOffset + count(newShape) > numel) {
            throw new IndexOutOfBoundsException("elements [" + elementOffset + ", +" + count(newShape) + ") of "
                    + this + " holding " + numel);
        }
        return new Tensor(storage, byteOffset + elementOffset * dtype.byteSize(), dtype, newShape);
    }

    /** Rows [from, to) of the leading dimension, sharing storage. */
    public Tensor slice(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + Arrays.toString(shape));
        }
        long rowElems = shape[0] == 0 ? 0 : numel / shape[0];
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(storage, byteOffset + from * rowElems * dtype.byteSize(), dtype, s);
    }

    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    public void requireDtype(DType expected) {
        if (dtype != expected) {
            throw new IllegalArgumentException("expected " + expected + " tensor, got " + this);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + dtype + Arrays.toString(shape) + (storage.location().equals("cpu") ? "" : "@" + storage.location());
    }
}
