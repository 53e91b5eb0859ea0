package dev.redengine.backend.cuda;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens the CUDA simulator for tests: the library named by {@link SimDriver#LIBRARY_PROPERTY} (set by the pom to
 * the one native/build.sh builds, with the test kernels of native/test). The tests skip, with the reason, only
 * where the simulator cannot be built: no g++ on PATH, or not Linux x86-64 (its fibers are x86-64 assembly).
 * With g++ present a missing library is a failure, not a skip.
 */
public final class SimSupport {
    private SimSupport() {
    }

    public static final long SEED = 20261202L;

    public static Path library() {
        Path path = Path.of(System.getProperty(SimDriver.LIBRARY_PROPERTY, "target/native/libredengine_cudasim_test.so"));
        if (Files.isRegularFile(path)) {
            return path;
        }
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch");
        Assumptions.assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "the CUDA simulator needs Linux x86-64 (its fibers switch stacks in x86-64 assembly); this is " + os + " " + arch);
        Assumptions.assumeTrue(onPath("g++"), "g++ is not on PATH, so native/build.sh could not build the CUDA simulator " + path);
        return fail("g++ is on PATH but the CUDA simulator library " + path + " is missing: run native/build.sh "
                + "(Maven runs it in process-classes, profile native-unix)");
    }

    static SimDriver driver(SimDriver.Order order) {
        return new SimDriver(library(), order, SEED);
    }

    /** The backend over the simulator, every launch also checked against the jar's PTX ({@link PtxCheckedDriver}). */
    public static CudaBackend backend(SimDriver.Order order) {
        return new CudaBackend(new PtxCheckedDriver(driver(order)));
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
