package dev.redengine.backend.conformance;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.util.Arrays;

/**
 * The only place the conformance suite moves data to or from a backend, and the only callers of
 * {@link Backend#allocate}, {@link Backend#upload} and {@link Backend#download} in it: were they
 * renamed again, only this class would change.
 */
public final class HostIo {
    private HostIo() {
    }

    /** A zero-filled float32 tensor on the backend. */
    public static Tensor zeros(Backend be, int... shape) {
        return be.allocate(DType.F32, shape);
    }

    /** A zero-filled int32 tensor on the backend. */
    public static Tensor zerosInt(Backend be, int... shape) {
        return be.allocate(DType.I32, shape);
    }

    /** A float32 tensor of {@code shape} on the backend holding {@code data} (row-major). */
    public static Tensor upload(Backend be, float[] data, int... shape) {
        Tensor t = zeros(be, shape);
        write(be, t, data);
        return t;
    }

    /** An int32 tensor of {@code shape} on the backend holding {@code data} (row-major). */
    public static Tensor uploadInts(Backend be, int[] data, int... shape) {
        Tensor t = zerosInt(be, shape);
        requireCount(t, data.length);
        be.upload(t, data);
        return t;
    }

    /** Overwrites the float32 tensor {@code t} with {@code data}. */
    public static void write(Backend be, Tensor t, float[] data) {
        requireCount(t, data.length);
        be.upload(t, data);
    }

    /** A 16-bit float tensor (BF16 or F16) of {@code shape} on the backend holding the raw bits {@code data}. */
    public static Tensor uploadHalves(Backend be, DType dtype, short[] data, int... shape) {
        if (dtype.byteSize() != 2 || !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(dtype + " is not a 16-bit float dtype");
        }
        Tensor t = be.allocate(dtype, shape);
        requireCount(t, data.length);
        be.upload(t, java.lang.foreign.MemorySegment.ofArray(data));
        return t;
    }

    /** The raw bits of a 16-bit float tensor's elements, row-major. */
    public static short[] downloadHalves(Backend be, Tensor t) {
        if (t.dtype().byteSize() != 2 || !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(t + " is not a 16-bit float tensor");
        }
        short[] host = new short[Math.toIntExact(t.numel())];
        be.download(t, java.lang.foreign.MemorySegment.ofArray(host));
        return host;
    }

    /** The float32 tensor's elements, row-major. */
    public static float[] download(Backend be, Tensor t) {
        return be.downloadFloats(t);
    }

    /** The int32 tensor's elements, row-major. */
    public static int[] downloadInts(Backend be, Tensor t) {
        return be.downloadInts(t);
    }

    private static void requireCount(Tensor t, int n) {
        if (t.numel() != n) {
            throw new IllegalArgumentException(n + " host values for " + t + " (shape " + Arrays.toString(t.shape()) + ")");
        }
    }
}
