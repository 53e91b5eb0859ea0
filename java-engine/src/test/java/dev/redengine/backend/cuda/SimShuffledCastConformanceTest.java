package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CastConformance;

/** The Cast conformance cases on the CUDA simulator, the threads of each block run in shuffled order. */
class SimShuffledCastConformanceTest extends CastConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.SHUFFLED);
    }
}
