package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.MseLossConformance;
import org.junit.jupiter.api.Tag;

/** The MseLoss conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuMseLossConformanceTest extends MseLossConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
