package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RopeConformance;
import org.junit.jupiter.api.Tag;

/** The Rope conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuRopeConformanceTest extends RopeConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
