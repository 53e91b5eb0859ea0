package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RopeConformance;

/** The Rope conformance cases on the CUDA simulator, the threads of each block run in forward order. */
class SimForwardRopeConformanceTest extends RopeConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.FORWARD);
    }
}
