package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.AttentionConformance;

class CpuAttentionConformanceTest extends AttentionConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
