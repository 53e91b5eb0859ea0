package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.CachedAttentionConformance;

/** The CachedAttention conformance cases on the CUDA simulator, the threads of each block run in forward order. */
class SimForwardCachedAttentionConformanceTest extends CachedAttentionConformance {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.FORWARD);
    }
}
