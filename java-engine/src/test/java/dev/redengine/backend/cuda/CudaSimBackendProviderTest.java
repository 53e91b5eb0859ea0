package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.BackendSettings;
import dev.redengine.backend.Backends;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --device cuda-sim}: registered, never chosen by auto, its thread order, and a clear error without the library. */
class CudaSimBackendProviderTest {
    private String libraryBefore, orderBefore;

    @TempDir
    Path tmp;

    @BeforeEach
    void remember() {
        SimSupport.library(); // skips, saying why, where the simulator cannot be built
        libraryBefore = System.getProperty(SimDriver.LIBRARY_PROPERTY);
        orderBefore = System.getProperty(CudaSimBackendProvider.ORDER_PROPERTY);
    }

    @AfterEach
    void restore() {
        restore(SimDriver.LIBRARY_PROPERTY, libraryBefore);
        restore(CudaSimBackendProvider.ORDER_PROPERTY, orderBefore);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void registeredAvailableButNeverChosenByAuto() {
        Backends installed = Backends.installed();
        assertEquals("cuda-sim", installed.select("CUDA-SIM").name());
        assertTrue(installed.choices().contains("cuda-sim"), installed.choices().toString());
        assertEquals("cpu", installed.select("auto").name());
        try (Backend be = Backends.open("cuda-sim", BackendSettings.ofThreads(1))) {
            assertTrue(be instanceof CudaBackend && be.name().contains("cuda-sim") && be.name().contains("forward"), be.name());
            Tensor a = be.allocate(3), b = be.allocate(3), sum = be.allocate(3);
            be.upload(a, new float[]{1, -2, 3});
            be.upload(b, new float[]{10, 20, 30});
            be.add(sum, a, b); // a kernel of the simulator library
            assertArrayEquals(new float[]{11, 18, 33}, be.downloadFloats(sum));
        }
    }

    @Test
    void findsTheLibraryBesideTheBuiltClasses() {
        System.clearProperty(SimDriver.LIBRARY_PROPERTY);
        Path lib = CudaSimBackendProvider.library();
        assertTrue(lib.endsWith(Path.of("native", "libredengine_cudasim.so")), lib.toString());
        assertTrue(new CudaSimBackendProvider().availability().available(), String.valueOf(new CudaSimBackendProvider().availability()));
    }

    @Test
    void theThreadOrderIsASystemProperty() {
        for (String order : new String[]{"reversed", "Shuffled", "forward"}) {
            System.setProperty(CudaSimBackendProvider.ORDER_PROPERTY, order);
            try (Backend be = Backends.open("cuda-sim", BackendSettings.defaults())) {
                assertTrue(be.name().contains("threads " + order.toLowerCase()), be.name());
            }
        }
        System.setProperty(CudaSimBackendProvider.ORDER_PROPERTY, "sideways");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.installed().select("cuda-sim"));
        assertTrue(e.getMessage().contains("redengine.sim.order=sideways") && e.getMessage().contains("forward, reversed or shuffled"),
                e.getMessage());
    }

    @Test
    void withoutTheLibraryItSaysWhatIsMissing() {
        Path missing = tmp.resolve("libredengine_cudasim.so");
        System.setProperty(SimDriver.LIBRARY_PROPERTY, missing.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("cuda-sim", BackendSettings.defaults()));
        String m = e.getMessage();
        assertTrue(m.contains("device \"cuda-sim\" is not available") && m.contains(missing.toString()) && m.contains("native/build.sh")
                && m.contains("g++") && m.contains("choose one of: auto, cpu"), m);
        assertTrue(!m.contains("cuda-sim,") && Backends.installed().select("auto").name().equals("cpu"), m);
        assertThrows(IllegalArgumentException.class,
                () -> new CudaSimBackendProvider().open(BackendSettings.defaults().withDeviceIndex(1)));
    }
}
