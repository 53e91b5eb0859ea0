package dev.redengine.backend.cpu;

import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.Arena;
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

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        long size = Tensor.count(shape) * dtype.byteSize();
        // Arena.allocate zero-fills; a zero-byte request still gets a valid (empty) segment.
        HostStorage storage = new HostStorage(owner, arena.allocate(Math.max(size, 1), 64).asSlice(0, size));
        bytes.addAndGet(size);
        return new Tensor(storage, 0, dtype, shape);
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
