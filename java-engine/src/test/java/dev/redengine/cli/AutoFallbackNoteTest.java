package dev.redengine.cli;

import dev.redengine.backend.BackendProvider;
import dev.redengine.backend.Backends;
import dev.redengine.backend.TestProviders;
import dev.redengine.backend.cpu.CpuBackendProvider;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@code --device auto} on a machine whose GPU backend cannot run says that it falls back to the CPU, and why. */
class AutoFallbackNoteTest {
    private final BackendProvider cpu = new CpuBackendProvider();
    private final Backends backends = new Backends(List.of(cpu, new TestProviders.Unavailable(), new TestProviders.LowPriority()));

    @Test
    void autoFallingBackToTheCpuSaysWhy() {
        assertEquals("note: --device auto: test-unavailable is not available (" + TestProviders.Unavailable.REASON + "); running on cpu",
                BackendOptions.autoFallbackNote(backends, "AUTO", backends.select("auto")));
    }

    @Test
    void aNamedDeviceOrTheBestOneGetsNoNote() {
        assertNull(BackendOptions.autoFallbackNote(backends, "cpu", cpu));
        Backends onlyCpu = new Backends(List.of(cpu, new TestProviders.LowPriority()));
        assertNull(BackendOptions.autoFallbackNote(onlyCpu, "auto", onlyCpu.select("auto")));
    }
}
