package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CastConformance;
import org.junit.jupiter.api.Tag;

/** The Cast conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuCastConformanceTest extends CastConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
