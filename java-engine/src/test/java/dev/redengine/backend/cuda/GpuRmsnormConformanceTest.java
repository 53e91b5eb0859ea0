package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RmsnormConformance;
import org.junit.jupiter.api.Tag;

/** The Rmsnorm conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuRmsnormConformanceTest extends RmsnormConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
