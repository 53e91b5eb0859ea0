package dev.redengine.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend factory: ServiceLoader discovery (the CPU provider of the core plus the two of
 * {@link TestProviders}), "auto" by priority, case handling, and errors that name the device, the reason and
 * the choices on one line.
 */
class BackendsTest {

    /** A provider for hand-built factories; opening one is never needed here. */
    record Fake(String name, int priority, BackendProvider.Availability availability) implements BackendProvider {
        @Override
        public Backend open(BackendSettings settings) {
            throw new UnsupportedOperationException("fake " + name);
        }
    }

    private static Fake available(String name, int priority) {
        return new Fake(name, priority, BackendProvider.Availability.yes());
    }

    private static Fake unavailable(String name, int priority, String reason) {
        return new Fake(name, priority, BackendProvider.Availability.no(reason));
    }

    private static IllegalArgumentException fails(Backends b, String device) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.select(device));
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void serviceLoaderFindsEveryProviderHighestPriorityFirst() {
        List<String> names = Backends.installed().providers().stream().map(BackendProvider::name).toList();
        // cuda (priority 100) and cuda-sim (below everything: a choice only where its library was built) are the core's
        assertEquals(List.of("test-unavailable", "cuda", "cpu", "test-low", "cuda-sim"), names);
        if (!Backends.installed().providers().get(1).availability().available()) {
            assertEquals(List.of("auto", "cpu", "test-low"), Backends.installed().choices().subList(0, 3));
        }
    }

    @Test
    void autoPicksTheCpuOverALowerOneAndSkipsAnUnavailableHigherOne() {
        assertEquals("cpu", Backends.installed().select("auto").name());
        try (Backend be = Backends.open("auto", BackendSettings.ofThreads(1))) {
            assertTrue(be.name().startsWith("cpu (") && be.name().contains("1 threads"), be.name());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "CPU", "Cpu", " cpu ", "AUTO", "Auto", "\tauto"})
    void namesAreCaseInsensitiveAndTrimmed(String device) {
        assertEquals("cpu", Backends.installed().select(device).name());
    }

    @Test
    void aLowerPriorityProviderCanStillBeNamed() {
        try (Backend be = Backends.open("test-low", BackendSettings.defaults())) {
            assertTrue(be.name().contains("1 threads"), be.name());
        }
    }

    @Test
    void threadsReachTheCpuBackend() {
        try (Backend be = Backends.open("cpu", BackendSettings.ofThreads(3))) {
            assertTrue(be.name().contains("3 threads"), be.name());
        }
    }

    @Test
    void unknownNameListsTheChoices() {
        String m = fails(Backends.installed(), "tpu").getMessage();
        assertTrue(m.contains("unknown device \"tpu\"") && m.contains("choose one of: auto, cpu, test-low"), m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cuda", "CUDA", "cuda-sim"})
    void cudaWithoutItsProviderSaysSo(String device) {
        // a provider list without the CUDA providers (an embedding application's, say)
        Backends cpuOnly = new Backends(Backends.installed().providers().stream()
                .filter(p -> !p.name().startsWith("cuda")).toList());
        String m = fails(cpuOnly, device).getMessage();
        assertTrue(m.contains("device \"" + device + "\" is not available") && m.contains("not on the class path")
                && m.contains("provider is not registered") && m.contains("choose one of: auto, cpu, test-low"), m);
    }

    @Test
    void anUnavailableProviderGivesItsReason() {
        String m = fails(Backends.installed(), "test-unavailable").getMessage();
        assertTrue(m.contains("device \"test-unavailable\" is not available: " + TestProviders.Unavailable.REASON)
                && m.contains("choose one of: auto, cpu, test-low"), m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void blankNameIsRefused(String device) {
        assertTrue(fails(Backends.installed(), device).getMessage().contains("choose one of: auto, cpu"));
        assertThrows(IllegalArgumentException.class, () -> Backends.installed().select(null));
    }

    @Test
    void autoTakesTheHighestAvailablePriorityWhateverTheOrder() {
        Backends b = new Backends(List.of(available("low", 5), unavailable("gpu", 100, "no GPU: driver not found"),
                available("high", 10), available("negative", -3)));
        assertEquals("high", b.select("auto").name());
        assertEquals(List.of("auto", "high", "low", "negative"), b.choices());
        assertEquals(List.of("gpu", "high", "low", "negative"), b.providers().stream().map(BackendProvider::name).toList());
        String m = fails(b, "gpu").getMessage();
        assertTrue(m.contains("device \"gpu\" is not available: no GPU: driver not found; choose one of: auto, high, low, negative"), m);
    }

    @Test
    void equalPrioritiesAreOrderedByName() {
        Backends b = new Backends(List.of(available("zeta", 1), available("alpha", 1)));
        assertEquals("alpha", b.select("auto").name());
    }

    @Test
    void autoWithNothingAvailableGivesEveryReason() {
        Backends b = new Backends(List.of(unavailable("gpu", 10, "no GPU"), unavailable("sim", 1, "simulator disabled")));
        String m = fails(b, "auto").getMessage();
        assertTrue(m.contains("no backend is available") && m.contains("gpu: no GPU") && m.contains("sim: simulator disabled"), m);
        assertTrue(fails(new Backends(List.of()), "auto").getMessage().contains("no backend provider on the class path"));
    }

    @Test
    void aFailingAvailabilityCheckMeansUnavailable() {
        Backends b = new Backends(List.of(new BackendProvider() {
            @Override
            public String name() {
                return "gpu";
            }

            @Override
            public Availability availability() {
                throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
            }

            @Override
            public int priority() {
                return 10;
            }

            @Override
            public Backend open(BackendSettings settings) {
                throw new AssertionError();
            }
        }, available("cpu", 0)));
        assertEquals("cpu", b.select("auto").name());
        String m = fails(b, "gpu").getMessage();
        assertTrue(m.contains("availability check failed") && m.contains("libcuda.so.1"), m);
    }

    @Test
    void reasonsAreKeptToOneLine() {
        Backends b = new Backends(List.of(unavailable("gpu", 1, "first line\n  second line")));
        assertTrue(fails(b, "gpu").getMessage().contains("first line second line"));
    }

    @Test
    void badProviderSetsAreRefused() {
        assertThrows(IllegalStateException.class, () -> new Backends(List.of(available("cpu", 0), available("cpu", 1))));
        assertThrows(IllegalStateException.class, () -> new Backends(List.of(available("CPU", 0))));
        assertThrows(IllegalStateException.class, () -> new Backends(List.of(available("auto", 0))));
        assertThrows(IllegalArgumentException.class, () -> BackendProvider.Availability.no(" "));
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> BackendSettings.ofThreads(0));
        assertThrows(IllegalArgumentException.class, () -> BackendSettings.defaults().withDeviceIndex(-1));
        assertThrows(NullPointerException.class, () -> new BackendSettings(null, 0));
        assertEquals(OptionalInt.empty(), BackendSettings.defaults().threads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.open("cpu", BackendSettings.defaults().withDeviceIndex(1)));
        assertTrue(e.getMessage().contains("only device 0"), e.getMessage());
    }

    @Test
    void describeListsEveryProviderAndTheMissingModules() {
        List<String> lines = Backends.installed().describe();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("cpu: CPU path: Vector API")), lines.toString());
        assertTrue(lines.contains("test-unavailable: unavailable: " + TestProviders.Unavailable.REASON), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("cuda: unavailable: no usable GPU") || l.startsWith("cuda: GPU through")),
                lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("cuda-sim: ")), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("not on the class path")), lines.toString());
    }
}
