package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.ElementwiseConformance;

/** The Elementwise conformance cases on the CUDA simulator, the threads of each block run in forward order. */
class SimForwardElementwiseConformanceTest extends ElementwiseConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.FORWARD);
    }
}
