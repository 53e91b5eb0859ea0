package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.MatmulConformance;

class CpuMatmulConformanceTest extends MatmulConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
