package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.HeadNormMeanOverTokensConformance;

class CpuHeadNormMeanOverTokensConformanceTest extends HeadNormMeanOverTokensConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
