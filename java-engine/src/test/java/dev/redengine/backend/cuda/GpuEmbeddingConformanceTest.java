package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.EmbeddingConformance;
import org.junit.jupiter.api.Tag;

/** The Embedding conformance cases on the GPU (tag gpu: run by tools/gpu-test.sh). */
@Tag("gpu")
class GpuEmbeddingConformanceTest extends EmbeddingConformance {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
