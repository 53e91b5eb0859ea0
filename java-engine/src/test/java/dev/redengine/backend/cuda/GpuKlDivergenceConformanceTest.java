package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.KlDivergenceConformance;
import org.junit.jupiter.api.Tag;

/** The KlDivergence conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuKlDivergenceConformanceTest extends KlDivergenceConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
