package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cuda.SimDriver;
import dev.redengine.backend.cuda.SimSupport;

/** The HF goldens on the CUDA simulator, threads in shuffled order (skips, saying why, where it cannot be built). */
class SimShuffledHfGoldenTest extends HfGoldenTest {
    @Override
    protected Backend createBackend() {
        return SimSupport.backend(SimDriver.Order.SHUFFLED);
    }
}
