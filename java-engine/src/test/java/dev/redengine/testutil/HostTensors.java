package dev.redengine.testutil;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

/**
 * Element access for tests, through the backend's upload and download of one-element views: the only way any
 * code outside a backend reaches a tensor's memory, so these helpers work unchanged on a device backend.
 */
public final class HostTensors {
    private HostTensors() {
    }

    public static float get(Backend be, Tensor t, long i) {
        return be.downloadFloats(t.viewAt(i, 1))[0];
    }

    public static void set(Backend be, Tensor t, long i, float v) {
        be.upload(t.viewAt(i, 1), new float[]{v});
    }

    /** A float32 tensor of {@code shape} holding {@code values}. */
    public static Tensor of(Backend be, float[] values, int... shape) {
        Tensor t = be.allocate(shape);
        be.upload(t, values);
        return t;
    }
}
