package dev.redengine.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.StringJoiner;

/**
 * The one place a {@link Backend} is chosen and opened: by name ("cpu", "cuda", ...) or "auto" (the available
 * provider of highest {@link BackendProvider#priority()}), from the {@link BackendProvider}s that
 * {@link ServiceLoader} finds on the class path. Names are case-insensitive. Every failure to choose is an
 * IllegalArgumentException whose one-line message names the device asked for, why it cannot be used and the
 * choices that can.
 *
 * <pre>{@code
 * try (Backend be = Backends.open("auto", BackendSettings.ofThreads(4))) { ... }
 * }</pre>
 */
public final class Backends {
    /** Picks the available provider of highest priority. */
    public static final String AUTO = "auto";

    /**
     * Devices this project has, asked for by name where their provider is not registered (a build or a provider
     * list without them): they get this explanation instead of "unknown device".
     */
    private static final Map<String, String> SEPARATE_MODULES = Map.of(
            "cuda", "the CUDA backend is not on the class path (its provider is not registered here)",
            "cuda-sim", "the CUDA simulator backend is not on the class path (its provider is not registered here)");

    private final List<BackendProvider> providers;
    private final List<String> loadFailures;

    /** Over the given providers (tests, embedding applications); see {@link #installed()} for the usual set. */
    public Backends(List<BackendProvider> providers) {
        this(providers, List.of());
    }

    private Backends(List<BackendProvider> providers, List<String> loadFailures) {
        Map<String, BackendProvider> byName = new LinkedHashMap<>();
        for (BackendProvider p : providers) {
            String name = p.name();
            if (name == null || name.isBlank() || !name.equals(normalise(name)) || name.equals(AUTO)) {
                throw new IllegalStateException("backend provider " + p.getClass().getName() + " has an invalid name \"" + name
                        + "\": it must be non-empty, lower case, without surrounding spaces, and not \"" + AUTO + "\"");
            }
            BackendProvider other = byName.putIfAbsent(name, p);
            if (other != null) {
                throw new IllegalStateException("two backend providers are named \"" + name + "\": "
                        + other.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        List<BackendProvider> sorted = new ArrayList<>(byName.values());
        sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name));
        this.providers = List.copyOf(sorted);
        this.loadFailures = List.copyOf(loadFailures);
    }

    /** The providers registered on the class path of this class (META-INF/services). */
    public static Backends installed() {
        List<BackendProvider> found = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                // a listed provider that cannot be loaded (missing class or native library): keep going without it
                failures.add(oneLine(String.valueOf(e.getMessage())));
            }
        }
        return new Backends(found, failures);
    }

    /** Opens {@code device} ("auto" or a provider's name) from the {@linkplain #installed() installed} providers. */
    public static Backend open(String device, BackendSettings settings) {
        return installed().openDevice(device, settings);
    }

    /** Every provider found, highest priority first (available or not). */
    public List<BackendProvider> providers() {
        return providers;
    }

    /** What {@code --device} accepts here: "auto", then the available providers' names, highest priority first. */
    public List<String> choices() {
        List<String> names = new ArrayList<>();
        names.add(AUTO);
        for (BackendProvider p : providers) {
            if (availability(p).available()) {
                names.add(p.name());
            }
        }
        return names;
    }

    /**
     * The provider {@code device} names ("auto" resolved), checked to be available here.
     *
     * @throws IllegalArgumentException naming the device, why it cannot be used and the choices that can
     */
    public BackendProvider select(String device) {
        if (device == null || device.isBlank()) {
            throw new IllegalArgumentException("no device named; choose one of: " + String.join(", ", choices()));
        }
        String name = normalise(device);
        if (name.equals(AUTO)) {
            StringJoiner why = new StringJoiner("; ");
            for (BackendProvider p : providers) {
                BackendProvider.Availability a = availability(p);
                if (a.available()) {
                    return p;
                }
                why.add(p.name() + ": " + a.reason());
            }
            throw new IllegalArgumentException("device \"" + device + "\": no backend is available ("
                    + (providers.isEmpty() ? "no backend provider on the class path" : why.toString()) + ")" + failuresNote());
        }
        for (BackendProvider p : providers) {
            if (p.name().equals(name)) {
                BackendProvider.Availability a = availability(p);
                if (!a.available()) {
                    throw new IllegalArgumentException("device \"" + device + "\" is not available: " + a.reason()
                            + "; choose one of: " + String.join(", ", choices()));
                }
                return p;
            }
        }
        String separate = SEPARATE_MODULES.get(name);
        if (separate != null) {
            throw new IllegalArgumentException("device \"" + device + "\" is not available: " + separate
                    + "; choose one of: " + String.join(", ", choices()) + failuresNote());
        }
        throw new IllegalArgumentException("unknown device \"" + device + "\"; choose one of: " + String.join(", ", choices()));
    }

    /** {@link #select} then {@link BackendProvider#open}. */
    public Backend openDevice(String device, BackendSettings settings) {
        return select(device).open(settings);
    }

    /**
     * Lines for {@code --help}: each provider with its description or why it is unavailable, and the backends
     * of other modules that are not on the class path.
     */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (BackendProvider p : providers) {
            BackendProvider.Availability a = availability(p);
            lines.add(p.name() + ": " + (a.available() ? p.description() : "unavailable: " + a.reason()));
        }
        SEPARATE_MODULES.keySet().stream().sorted()
                .filter(n -> providers.stream().noneMatch(p -> p.name().equals(n)))
                .forEach(n -> lines.add(n + ": not on the class path"));
        return lines;
    }

    private static BackendProvider.Availability availability(BackendProvider p) {
        try {
            BackendProvider.Availability a = p.availability();
            return a.available() ? a : BackendProvider.Availability.no(oneLine(a.reason()));
        } catch (RuntimeException | LinkageError e) {
            // e.g. an UnsatisfiedLinkError from a missing native library: unavailable, not a crash
            return BackendProvider.Availability.no("its availability check failed: " + e);
        }
    }

    private String failuresNote() {
        return loadFailures.isEmpty() ? "" : " (providers that failed to load: " + String.join("; ", loadFailures) + ")";
    }

    /** Messages end up on one {@code error: ...} line. */
    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static String normalise(String device) {
        return device.strip().toLowerCase(Locale.ROOT);
    }
}
