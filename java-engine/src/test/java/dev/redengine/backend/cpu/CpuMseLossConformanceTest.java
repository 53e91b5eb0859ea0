package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.MseLossConformance;

class CpuMseLossConformanceTest extends MseLossConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
