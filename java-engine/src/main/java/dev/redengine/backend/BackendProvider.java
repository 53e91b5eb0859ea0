package dev.redengine.backend;

/**
 * A kind of {@link Backend} that {@link Backends} can open by name, found with {@link java.util.ServiceLoader}:
 * an implementation is listed in {@code META-INF/services/dev.redengine.backend.BackendProvider} of the jar
 * that holds it (the CPU backend's in the core; a device backend's in its own module, so that the core never
 * depends on it).
 *
 * <p>Constructing a provider and asking for {@link #availability()} or {@link #description()} must be cheap
 * and must not fail: no device context, no thread pool. Only {@link #open} does real work.
 */
public interface BackendProvider {

    /** The name users pass to {@code --device}: lower case, e.g. "cpu", "cuda", "cuda-sim". */
    String name();

    /** Whether {@link #open} can work on this machine, and if not, why (no GPU, driver too old, ...). */
    Availability availability();

    /**
     * Rank for {@code --device auto}: of the available providers the one with the highest priority is used.
     * The CPU backend has 0; a GPU backend should rank above it, a simulator below it.
     */
    int priority();

    /** One line for {@code --help} and {@code info}: what this backend would run on here. */
    default String description() {
        return name();
    }

    /** A new backend; the caller closes it. Throws IllegalArgumentException for settings it cannot honour. */
    Backend open(BackendSettings settings);

    /** Whether a provider can be used here; {@code reason} says why not (null when available). */
    record Availability(boolean available, String reason) {
        public Availability {
            if (!available && (reason == null || reason.isBlank())) {
                throw new IllegalArgumentException("an unavailable backend must say why");
            }
        }

        public static Availability yes() {
            return new Availability(true, null);
        }

        public static Availability no(String reason) {
            return new Availability(false, reason);
        }
    }
}
