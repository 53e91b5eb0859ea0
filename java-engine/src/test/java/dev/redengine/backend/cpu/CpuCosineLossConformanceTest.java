package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CosineLossConformance;

class CpuCosineLossConformanceTest extends CosineLossConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
