package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.EmbeddingConformance;

/** The Embedding conformance cases on the CUDA simulator, the threads of each block run in reversed order. */
class SimReversedEmbeddingConformanceTest extends EmbeddingConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.REVERSED);
    }
}
