package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.BiasConformance;

/** The Bias conformance cases on the CUDA simulator, the threads of each block run in shuffled order. */
class SimShuffledBiasConformanceTest extends BiasConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.SHUFFLED);
    }
}
