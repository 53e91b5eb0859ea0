package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RopeConformance;

/** The Rope conformance cases on the CUDA simulator, the threads of each block run in reversed order. */
class SimReversedRopeConformanceTest extends RopeConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.REVERSED);
    }
}
