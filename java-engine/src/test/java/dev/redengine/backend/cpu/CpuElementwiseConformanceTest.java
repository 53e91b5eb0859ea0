package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.ElementwiseConformance;

class CpuElementwiseConformanceTest extends ElementwiseConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
