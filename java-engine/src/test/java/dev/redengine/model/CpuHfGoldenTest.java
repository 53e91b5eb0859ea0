package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;

/** The HF goldens on the CPU backend. */
class CpuHfGoldenTest extends HfGoldenTest {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
