package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.EmbeddingConformance;

class CpuEmbeddingConformanceTest extends EmbeddingConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
