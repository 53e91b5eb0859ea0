package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.SwigluConformance;

/** The Swiglu conformance cases on the CUDA simulator, the threads of each block run in shuffled order. */
class SimShuffledSwigluConformanceTest extends SwigluConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.SHUFFLED);
    }
}
