package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RmsnormConformance;

class CpuRmsnormConformanceTest extends RmsnormConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
