package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cuda.SimDriver;
import dev.redengine.backend.cuda.SimSupport;

/** The HF goldens on the CUDA simulator, threads in forward order (skips, saying why, where it cannot be built). */
class SimForwardHfGoldenTest extends HfGoldenTest {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.FORWARD);
    }
}
