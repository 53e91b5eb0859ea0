package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.BackendProvider;
import dev.redengine.backend.BackendSettings;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Locale;

/**
 * {@code --device cuda-sim}: the {@link CudaBackend} over the CUDA simulator ({@link SimDriver}), i.e. the very
 * kernels of {@code native/} compiled by g++, each CUDA thread a fiber. For checking the kernels and the
 * engine on them on any Linux x86-64 machine; it is slow (one host thread), so {@code auto} never picks it: it
 * ranks below every other backend.
 *
 * <p>The library: the system property {@value SimDriver#LIBRARY_PROPERTY} if set, else
 * {@code native/libredengine_cudasim.so} beside the jar (or beside {@code target/classes}), where the build
 * ({@code native/build.sh}, Maven phase process-classes) puts it. Thread order: the system property
 * {@value #ORDER_PROPERTY} ({@code forward} (default), {@code reversed} or {@code shuffled}); the shuffled order
 * starts from the seed {@value #SEED_PROPERTY} (default {@value #DEFAULT_SEED}), so that a run reproduces.
 */
public final class CudaSimBackendProvider implements BackendProvider {
    public static final String ORDER_PROPERTY = "redengine.sim.order";
    public static final String SEED_PROPERTY = "redengine.sim.seed";
    public static final long DEFAULT_SEED = 20261202L;
    /** Below the CPU (0) and below anything else a test or module registers: "auto" must never choose it. */
    static final int PRIORITY = -1000;
    static final String LIBRARY_NAME = "libredengine_cudasim.so";

    @Override
    public String name() {
        return "cuda-sim";
    }

    @Override
    public Availability availability() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Availability.no("the CUDA simulator runs on Linux x86-64 only (its fibers switch stacks in x86-64 assembly); this is "
                    + os + " " + arch);
        }
        try {
            order();
            seed();
        } catch (IllegalArgumentException e) {
            return Availability.no(e.getMessage());
        }
        Path lib = library();
        if (!Files.isRegularFile(lib)) {
            return Availability.no("the CUDA simulator library " + lib + " is missing: build it with native/build.sh (needs g++; "
                    + "Maven runs it in process-classes) or name it with -D" + SimDriver.LIBRARY_PROPERTY + "=PATH");
        }
        return Availability.yes();
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public String description() {
        return "CUDA simulator: the kernels of native/ on host fibers, threads " + describeOrder() + " (-D" + ORDER_PROPERTY
                + "=forward|reversed|shuffled), library " + library();
    }

    private static String describeOrder() {
        try {
            return order().name().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return "invalid";
        }
    }

    @Override
    public Backend open(BackendSettings settings) {
        if (settings.deviceIndex() != 0) {
            throw new IllegalArgumentException("device index " + settings.deviceIndex() + ": the cuda-sim backend has only device 0");
        }
        // --threads is for host-side work; the simulator itself runs each launch on the calling thread
        return new CudaBackend(new SimDriver(library(), order(), seed()));
    }

    /** The thread order {@value #ORDER_PROPERTY} names (forward when unset). */
    static SimDriver.Order order() {
        String s = System.getProperty(ORDER_PROPERTY);
        if (s == null || s.isBlank()) {
            return SimDriver.Order.FORWARD;
        }
        try {
            return SimDriver.Order.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + ORDER_PROPERTY + "=" + s + " is not a thread order: use forward, reversed or shuffled");
        }
    }

    static long seed() {
        String s = System.getProperty(SEED_PROPERTY);
        if (s == null || s.isBlank()) {
            return DEFAULT_SEED;
        }
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED_PROPERTY + "=" + s + " is not an integer seed");
        }
    }

    /** The simulator library: the system property, else {@value #LIBRARY_NAME} in native/ beside this code's jar. */
    static Path library() {
        String named = System.getProperty(SimDriver.LIBRARY_PROPERTY);
        if (named != null && !named.isBlank()) {
            return Path.of(named.strip()).toAbsolutePath();
        }
        return besideCode().resolve("native").resolve(LIBRARY_NAME);
    }

    /**
     * The folder holding this code: target/ for target/red-engine.jar, and target/ for target/classes too, so
     * that the library native/build.sh writes to target/native is found from both.
     */
    private static Path besideCode() {
        CodeSource cs = CudaSimBackendProvider.class.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return Path.of("").toAbsolutePath();
        }
        try {
            Path code = Path.of(cs.getLocation().toURI()).toAbsolutePath();
            Path parent = code.getParent();
            return parent == null ? code : parent;
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
