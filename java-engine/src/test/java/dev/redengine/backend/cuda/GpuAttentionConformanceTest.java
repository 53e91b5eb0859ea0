package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.AttentionConformance;
import org.junit.jupiter.api.Tag;

/** The Attention conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuAttentionConformanceTest extends AttentionConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
