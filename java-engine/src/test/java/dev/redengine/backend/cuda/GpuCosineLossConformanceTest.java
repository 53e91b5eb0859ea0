package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CosineLossConformance;
import org.junit.jupiter.api.Tag;

/** The CosineLoss conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuCosineLossConformanceTest extends CosineLossConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
