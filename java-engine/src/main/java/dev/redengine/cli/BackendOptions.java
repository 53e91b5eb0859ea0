package dev.redengine.cli;

import dev.redengine.backend.Backend;
import dev.redengine.backend.BackendProvider;
import dev.redengine.backend.BackendSettings;
import dev.redengine.backend.HostMemory;
import dev.redengine.backend.Backends;
import picocli.CommandLine.Option;

/** The backend options shared by every command that runs a model (a picocli mixin). */
final class BackendOptions {
    @Option(names = "--device", defaultValue = Backends.AUTO, paramLabel = "DEVICE",
            description = "Backend: cpu, cuda, cuda-sim or auto (default: ${DEFAULT-VALUE}, the available one of highest "
                    + "priority; `red-engine --help` lists what this machine has).")
    String device;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    BackendSettings settings() {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        return threads == null ? BackendSettings.defaults() : BackendSettings.ofThreads(threads);
    }

    /** The provider --device names, checked to be available (IllegalArgumentException naming the choices if not). */
    BackendProvider provider() {
        return Backends.installed().select(device);
    }

    /** Checks --threads and --device without opening anything; returns the provider --device names. */
    BackendProvider validate() {
        settings();
        return provider();
    }

    /**
     * On the CPU backend and the CUDA simulator (tensors in host memory) refuses a run whose estimate exceeds the memory available, before
     * anything is allocated, instead of a crash half-way (or the OOM killer).
     */
    void requireHostMemory(String what, long bytes, String remedy) {
        String name = provider().name();
        if (name.equals("cpu") || name.equals("cuda-sim")) {
            HostMemory.require(what, bytes, remedy);
        }
    }

    Backend open() {
        BackendSettings s = settings();
        BackendProvider chosen = provider();
        String note = autoFallbackNote(Backends.installed(), device, chosen);
        if (note != null) {
            System.err.println(note);
        }
        return chosen.open(s);
    }

    /**
     * For {@code --device auto}: when a provider that outranks the one chosen is unavailable (no GPU, so the CPU
     * runs), one line saying so and why, so that a slow CPU run on a GPU machine without its driver is not a
     * mystery; null otherwise.
     */
    static String autoFallbackNote(Backends backends, String device, BackendProvider chosen) {
        if (!Backends.AUTO.equalsIgnoreCase(device.strip())) {
            return null;
        }
        for (BackendProvider p : backends.providers()) {
            if (p == chosen || p.priority() <= chosen.priority()) {
                break;
            }
            BackendProvider.Availability a = p.availability();
            if (!a.available()) {
                return "note: --device auto: " + p.name() + " is not available (" + a.reason() + "); running on " + chosen.name();
            }
        }
        return null;
    }
}
