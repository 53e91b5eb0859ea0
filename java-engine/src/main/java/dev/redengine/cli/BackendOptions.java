package dev.redengine.cli;

import dev.redengine.backend.cpu.CpuBackend;
import picocli.CommandLine.Option;

/** The backend options shared by every command that runs a model (a picocli mixin). */
final class BackendOptions {
    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    CpuBackend open() {
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        return threads == null ? new CpuBackend() : new CpuBackend(threads);
    }
}
