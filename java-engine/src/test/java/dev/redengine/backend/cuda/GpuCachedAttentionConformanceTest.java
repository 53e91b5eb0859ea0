package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CachedAttentionConformance;
import org.junit.jupiter.api.Tag;

/** The CachedAttention conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuCachedAttentionConformanceTest extends CachedAttentionConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
