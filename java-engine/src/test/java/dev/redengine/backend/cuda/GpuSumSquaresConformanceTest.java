package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.SumSquaresConformance;
import org.junit.jupiter.api.Tag;

/** The SumSquares conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuSumSquaresConformanceTest extends SumSquaresConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
