package dev.redengine.backend;

import java.util.OptionalInt;

/**
 * What a {@link BackendProvider} needs to open a backend. Each provider reads what applies to it and rejects
 * what it cannot honour.
 *
 * @param threads     host threads for the CPU backend (and for host-side work of device backends); empty = all
 *                    cores
 * @param deviceIndex which device of the kind, 0 = the first (the CPU has only device 0)
 */
public record BackendSettings(OptionalInt threads, int deviceIndex) {

    public BackendSettings {
        if (threads == null) {
            throw new NullPointerException("threads: use OptionalInt.empty() for all cores");
        }
        if (threads.isPresent() && threads.getAsInt() < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads.getAsInt());
        }
        if (deviceIndex < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + deviceIndex);
        }
    }

    /** All cores, device 0. */
    public static BackendSettings defaults() {
        return new BackendSettings(OptionalInt.empty(), 0);
    }

    /** {@code threads} threads, device 0. */
    public static BackendSettings ofThreads(int threads) {
        return new BackendSettings(OptionalInt.of(threads), 0);
    }

    public BackendSettings withDeviceIndex(int index) {
        return new BackendSettings(threads, index);
    }
}
