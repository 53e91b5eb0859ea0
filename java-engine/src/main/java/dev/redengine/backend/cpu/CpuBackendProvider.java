package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.BackendProvider;
import dev.redengine.backend.BackendSettings;

/** Opens {@link CpuBackend}: always available, priority 0 (a GPU backend outranks it for "auto"). */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Availability availability() {
        return Availability.yes();
    }

    @Override
    public int priority() {
        return 0;
    }

    /** The CPU code path in effect: vector width, register tile, cores. */
    @Override
    public String description() {
        return "CPU path: Vector API (jdk.incubator.vector), " + Simd.lanes() * 32 + "-bit vectors ("
                + Simd.lanes() + " float lanes), SGEMM register tile " + Sgemm.tile() + ", "
                + Runtime.getRuntime().availableProcessors() + " cores available";
    }

    @Override
    public Backend open(BackendSettings settings) {
        if (settings.deviceIndex() != 0) {
            throw new IllegalArgumentException("device index " + settings.deviceIndex() + ": the cpu backend has only device 0");
        }
        return settings.threads().isPresent() ? new CpuBackend(settings.threads().getAsInt()) : new CpuBackend();
    }
}
