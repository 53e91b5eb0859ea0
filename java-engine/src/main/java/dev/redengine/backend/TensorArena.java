package dev.redengine.backend;

import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

/**
 * Memory of one backend with one lifetime: every tensor allocated here is freed together by {@link #close}.
 * Using such a tensor afterwards is an error the backend reports, never a read of freed memory.
 */
public interface TensorArena extends AutoCloseable {

    /** A zero-filled tensor. */
    Tensor allocate(DType dtype, int... shape);

    default Tensor allocate(int... shape) {
        return allocate(DType.F32, shape);
    }

    /** Bytes allocated so far (not yet freed). */
    long allocatedBytes();

    @Override
    void close();
}
