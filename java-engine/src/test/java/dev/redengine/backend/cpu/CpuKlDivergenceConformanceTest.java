package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.KlDivergenceConformance;

class CpuKlDivergenceConformanceTest extends KlDivergenceConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
