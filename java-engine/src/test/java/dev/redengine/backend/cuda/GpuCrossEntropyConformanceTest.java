package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CrossEntropyConformance;
import org.junit.jupiter.api.Tag;

/** The CrossEntropy conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuCrossEntropyConformanceTest extends CrossEntropyConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
