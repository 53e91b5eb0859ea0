package dev.redengine.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The seam between {@link CudaBackend} and whatever runs its kernels: device memory, copies, modules and launches
 * by kernel name, the shape of the CUDA driver API (cuMemAlloc, cuMemcpyHtoD, cuModuleLoadData, cuLaunchKernel).
 * {@link SimDriver} implements it over the simulator library (the kernels of {@code native/} compiled by the host
 * C++ compiler); a GPU implementation (JCuda over the PTX in the jar) comes later. Addresses are plain longs;
 * errors are {@link IllegalStateException}s carrying the driver's message.
 */
public interface CudaDriver extends AutoCloseable {

    /** Short description, e.g. "cuda-sim (threads reversed)". */
    String name();

    /** Device memory of {@code bytes} bytes (contents undefined), 256-byte aligned. */
    long alloc(long bytes);

    void free(long address);

    /** Host to device: all of {@code src}. */
    void copyToDevice(long dst, MemorySegment src);

    /** Device to host: all of {@code dst}. */
    void copyToHost(MemorySegment dst, long src);

    void copyOnDevice(long dst, long src, long bytes);

    /** Sets {@code bytes} bytes at {@code address} to {@code value} (cuMemsetD8). */
    void memset(long address, int value, long bytes);

    /**
     * Makes the kernels of {@code module} (a {@code native/*.cu} file, without the extension) launchable and
     * checks that each of {@code kernels} is in it.
     */
    void loadModule(String module, List<String> kernels);

    /**
     * Launches {@code kernel} (grid and block in x only, as the kernels here use them) with {@code sharedBytes}
     * of dynamic shared memory. Arguments, in the kernel's order: {@link Ptr} for pointers (Ptr.NULL for null),
     * Integer, Long, Float. Checked against the kernel's signature where the driver knows it.
     */
    void launch(String kernel, int grid, int block, int sharedBytes, Object... args);

    /** Blocks until all launched work is done. */
    void synchronize();

    @Override
    void close();

    /** A device pointer argument of a launch. */
    record Ptr(long address) {
        public static final Ptr NULL = new Ptr(0);
    }
}
