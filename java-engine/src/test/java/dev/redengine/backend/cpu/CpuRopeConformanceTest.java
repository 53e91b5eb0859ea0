package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RopeConformance;

class CpuRopeConformanceTest extends RopeConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
