package dev.redengine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A dense, row-major block of float32 or int32 elements owned by one backend.
 *
 * <p>On the CPU backend {@code data} is an off-heap native segment that the ops read directly. On a device
 * backend it is a zero-length segment whose address is the device pointer: host code must then go through
 * the backend's copy methods, so accidental host reads fail loudly instead of reading garbage.
 *
 * <p>{@link #view} and {@link #slice} share storage; nothing here copies.
 */
public final class Tensor {
    private final MemorySegment data;
    private final DType dtype;
    private final int[] shape;
    private final long numel;

    public Tensor(MemorySegment data, DType dtype, int... shape) {
        this.data = data;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.numel = count(shape);
        if (data.byteSize() != 0 && data.byteSize() != numel * dtype.byteSize()) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes does not hold "
                    + dtype + Arrays.toString(shape));
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

    public MemorySegment data() {
        return data;
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
        return new Tensor(data, dtype, newShape);
    }

    /** Rows [from, to) of the leading dimension, sharing storage (host tensors only). */
    public Tensor slice(int from, int to) {
        if (from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + Arrays.toString(shape));
        }
        long rowElems = numel / Math.max(1, shape[0]);
        int[] s = shape.clone();
        s[0] = to - from;
        long bytes = rowElems * dtype.byteSize();
        return new Tensor(data.asSlice(from * bytes, (to - from) * bytes), dtype, s);
    }

    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    // Host accessors: convenient for tests, tables and the CPU backend's scalar paths.

    public float getFloat(long i) {
        return data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
    }

    public void setFloat(long i, float v) {
        data.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
    }

    public int getInt(long i) {
        return data.getAtIndex(ValueLayout.JAVA_INT, i);
    }

    public void setInt(long i, int v) {
        data.setAtIndex(ValueLayout.JAVA_INT, i, v);
    }

    public float[] toFloatArray() {
        requireDtype(DType.F32);
        return data.toArray(ValueLayout.JAVA_FLOAT);
    }

    public int[] toIntArray() {
        requireDtype(DType.I32);
        return data.toArray(ValueLayout.JAVA_INT);
    }

    public void requireDtype(DType expected) {
        if (dtype != expected) {
            throw new IllegalArgumentException("expected " + expected + " tensor, got " + dtype + Arrays.toString(shape));
        }
    }

    @Override
    public String toString() {
        return "Tensor" + dtype + Arrays.toString(shape);
    }
}
