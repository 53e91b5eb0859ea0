package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CachedAttentionConformance;

class CpuCachedAttentionConformanceTest extends CachedAttentionConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
