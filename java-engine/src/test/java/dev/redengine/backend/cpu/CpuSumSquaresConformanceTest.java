package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.conformance.SumSquaresConformance;

class CpuSumSquaresConformanceTest extends SumSquaresConformance {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
