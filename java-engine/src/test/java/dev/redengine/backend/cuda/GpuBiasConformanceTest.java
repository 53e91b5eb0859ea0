package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.BiasConformance;
import org.junit.jupiter.api.Tag;

/** The Bias conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuBiasConformanceTest extends BiasConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
