package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.AbsMeanOverTokensConformance;

class CpuAbsMeanOverTokensConformanceTest extends AbsMeanOverTokensConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
