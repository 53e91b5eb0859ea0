package dev.redengine.backend.cpu;

import dev.redengine.backend.HostMemory;
import dev.redengine.backend.InsufficientMemoryException;
import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TensorArena} over a shared FFM arena: tensors are 64-byte aligned native memory (what the SIMD
 * loads prefer), freed together by {@link #close}. FFM checks every access against the arena's liveness, so a
 * tensor used after its arena closed throws instead of reading freed memory.
 */
final class HostArena implements TensorArena {
    private final CpuBackend owner;
    private final Arena arena = Arena.ofShared();
    private final AtomicLong bytes = new AtomicLong();

    HostArena(CpuBackend owner) {
        this.owner = owner;
    }

    /** Allocations from this size on are checked against the machine's available memory first (a file read). */
    private static final long CHECKED_BYTES = 64L << 20;

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        long size = Tensor.count(shape) * dtype.byteSize();
        // Linux overcommits: a request beyond what is free may succeed, and the zero-fill then wakes the OOM killer
        if (size >= CHECKED_BYTES && size > HostMemory.availableBytes()) {
            throw failure(dtype, shape, size, null);
        }
        MemorySegment segment;
        try {
            // Arena.allocate zero-fills; a zero-byte request still gets a valid (empty) segment.
            segment = arena.allocate(Math.max(size, 1), 64);
        } catch (OutOfMemoryError e) {
            throw failure(dtype, shape, size, e);
        }
        HostStorage storage = new HostStorage(owner, segment.asSlice(0, size));
        bytes.addAndGet(size);
        return new Tensor(storage, 0, dtype, shape);
    }

    private InsufficientMemoryException failure(DType dtype, int[] shape, long size, OutOfMemoryError cause) {
        return new InsufficientMemoryException("cannot allocate a " + dtype + " tensor " + Arrays.toString(shape) + ": needs "
                + HostMemory.human(size) + ", " + HostMemory.human(HostMemory.availableBytes()) + " of memory available ("
                + HostMemory.human(bytes.get()) + " already allocated by this arena)", cause);
    }

    @Override
    public long allocatedBytes() {
        return bytes.get();
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
