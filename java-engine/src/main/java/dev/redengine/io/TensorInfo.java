package dev.redengine.io;

import java.util.Arrays;

/**
 * One header entry: dtype, shape and the byte range {@code [begin, end)} relative to the start of the data
 * buffer (not of the file). Instances come from a validated header, so {@code end - begin} always equals
 * {@code numel() * dtype.byteSize()}.
 *
 * <p>The shape is {@code long[]} because the format allows it; {@link #intShape()} gives the {@code int[]} that
 * {@link dev.redengine.tensor.Tensor} wants. The array is copied in and out, and equality compares contents
 * (a record's default would compare array identity).
 */
public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** Element count; 1 for a scalar (shape []), 0 when any dimension is 0. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    /** The shape as {@code int[]}; throws {@link ArithmeticException} if a dimension exceeds an int. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return ((name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
    }

    @Override
    public String toString() {
        return name + ": " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
