package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.AdamwConformance;
import org.junit.jupiter.api.Tag;

/** The Adamw conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuAdamwConformanceTest extends AdamwConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
