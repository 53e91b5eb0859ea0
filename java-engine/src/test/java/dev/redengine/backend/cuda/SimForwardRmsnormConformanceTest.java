package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.RmsnormConformance;

/** The Rmsnorm conformance cases on the CUDA simulator, the threads of each block run in forward order. */
class SimForwardRmsnormConformanceTest extends RmsnormConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.FORWARD);
    }
}
