package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.ElementwiseConformance;

/** The Elementwise conformance cases on the CUDA simulator, the threads of each block run in reversed order. */
class SimReversedElementwiseConformanceTest extends ElementwiseConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.REVERSED);
    }
}
