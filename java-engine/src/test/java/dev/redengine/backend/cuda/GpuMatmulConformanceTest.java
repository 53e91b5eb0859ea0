package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.MatmulConformance;
import org.junit.jupiter.api.Tag;

/** The Matmul conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuMatmulConformanceTest extends MatmulConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
