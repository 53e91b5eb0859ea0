package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.SwigluConformance;
import org.junit.jupiter.api.Tag;

/** The Swiglu conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuSwigluConformanceTest extends SwigluConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
