package dev.redengine.backend.conformance;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The only place the conformance suite moves data to or from a backend, and the only callers of
 * {@link Backend#allocate}, {@link Backend#upload} and {@link Backend#download} in it: were they
 * renamed again, only this class would change. Host staging buffers are native (a device backend may need to DMA from
 * them), confined to each call.
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
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, data.length)).asSlice(0, data.length * 4L);
            MemorySegment.copy(data, 0, host, ValueLayout.JAVA_INT, 0, data.length);
            be.upload(t, host);
        }
        return t;
    }

    /** Overwrites the float32 tensor {@code t} with {@code data}. */
    public static void write(Backend be, Tensor t, float[] data) {
        requireCount(t, data.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, data.length)).asSlice(0, data.length * 4L);
            MemorySegment.copy(data, 0, host, ValueLayout.JAVA_FLOAT, 0, data.length);
            be.upload(t, host);
        }
    }

    /** The float32 tensor's elements, row-major. */
    public static float[] download(Backend be, Tensor t) {
        t.requireDtype(DType.F32);
        int n = Math.toIntExact(t.numel());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, n)).asSlice(0, n * 4L);
            be.download(t, host);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /** The int32 tensor's elements, row-major. */
    public static int[] downloadInts(Backend be, Tensor t) {
        t.requireDtype(DType.I32);
        int n = Math.toIntExact(t.numel());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, n)).asSlice(0, n * 4L);
            be.download(t, host);
            return host.toArray(ValueLayout.JAVA_INT);
        }
    }

    private static void requireCount(Tensor t, int n) {
        if (t.numel() != n) {
            throw new IllegalArgumentException(n + " host values for " + t + " (shape " + Arrays.toString(t.shape()) + ")");
        }
    }
}
