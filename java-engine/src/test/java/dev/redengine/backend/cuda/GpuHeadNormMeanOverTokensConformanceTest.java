package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.HeadNormMeanOverTokensConformance;
import org.junit.jupiter.api.Tag;

/** The HeadNormMeanOverTokens conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuHeadNormMeanOverTokensConformanceTest extends HeadNormMeanOverTokensConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
