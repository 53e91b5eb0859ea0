package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CastConformance;

class CpuCastConformanceTest extends CastConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
