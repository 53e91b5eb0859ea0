package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CrossEntropyConformance;

class CpuCrossEntropyConformanceTest extends CrossEntropyConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
