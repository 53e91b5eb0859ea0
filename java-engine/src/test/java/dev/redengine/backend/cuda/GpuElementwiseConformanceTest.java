package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.ElementwiseConformance;
import org.junit.jupiter.api.Tag;

/** The Elementwise conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuElementwiseConformanceTest extends ElementwiseConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
