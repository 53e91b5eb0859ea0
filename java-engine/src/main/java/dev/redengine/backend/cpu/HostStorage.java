package dev.redengine.backend.cpu;

import dev.redengine.tensor.Storage;

import java.lang.foreign.MemorySegment;

/** Host memory of one {@link CpuBackend}; the segment is visible to this package only. */
final class HostStorage extends Storage {
    final MemorySegment segment;

    HostStorage(CpuBackend owner, MemorySegment segment) {
        super(owner, segment.byteSize());
        this.segment = segment;
    }

    @Override
    public String location() {
        return "cpu";
    }
}
