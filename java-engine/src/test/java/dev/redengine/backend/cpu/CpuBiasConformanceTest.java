package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.BiasConformance;

class CpuBiasConformanceTest extends BiasConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
