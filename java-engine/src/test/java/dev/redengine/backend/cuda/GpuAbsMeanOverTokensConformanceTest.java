package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.AbsMeanOverTokensConformance;
import org.junit.jupiter.api.Tag;

/** The AbsMeanOverTokens conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuAbsMeanOverTokensConformanceTest extends AbsMeanOverTokensConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
