package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.AdamwConformance;

class CpuAdamwConformanceTest extends AdamwConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
