package dev.redengine.backend;

import dev.redengine.backend.cpu.CpuBackend;

/**
 * Providers registered for the test JVM only (src/test/resources/META-INF/services), chosen so that they never
 * change what "auto" picks in other tests: one that outranks the CPU but is never available, one that is
 * available but ranks below it.
 */
public final class TestProviders {
    private TestProviders() {
    }

    /** Priority 1000, never available: "auto" must skip it, and naming it must say why. */
    public static final class Unavailable implements BackendProvider {
        public static final String REASON = "test provider: no such accelerator on any machine";

        @Override
        public String name() {
            return "test-unavailable";
        }

        @Override
        public Availability availability() {
            return Availability.no(REASON);
        }

        @Override
        public int priority() {
            return 1000;
        }

        @Override
        public Backend open(BackendSettings settings) {
            throw new AssertionError("Backends opened an unavailable provider");
        }
    }

    /** Priority -100, available: a one-thread CPU backend under another name. */
    public static final class LowPriority implements BackendProvider {
        @Override
        public String name() {
            return "test-low";
        }

        @Override
        public Availability availability() {
            return Availability.yes();
        }

        @Override
        public int priority() {
            return -100;
        }

        @Override
        public Backend open(BackendSettings settings) {
            return new CpuBackend(1);
        }
    }
}
