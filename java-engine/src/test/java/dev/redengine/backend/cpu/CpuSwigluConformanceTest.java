package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.SwigluConformance;

class CpuSwigluConformanceTest extends SwigluConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
