package dev.redengine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the GPU driver does that needs no GPU: library lookup by soname and its errors, PTX selection by compute
 * capability, the PTX parameter lists that launches are checked against, the error messages, and the provider's
 * answer on a machine without a GPU.
 */
class GpuSideWithoutGpuTest {

    @Test
    void aMissingLibraryNamesEverySonameTried() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeLibrary.open("cuBLAS", List.of("libnope.so.13", "libnope.so.12"),
                name -> {
                    throw new IllegalArgumentException("Cannot open library: " + name);
                }));
        String m = e.getMessage();
        assertTrue(m.startsWith("cuBLAS is not available") && m.contains("libnope.so.13") && m.contains("libnope.so.12")
                && m.contains("LD_LIBRARY_PATH"), m);
    }

    @Test
    void theFirstSonameThatLoadsIsUsed() {
        NativeLibrary lib = NativeLibrary.open("libc", List.of("libnope.so.1", "libc.so.6"), name -> {
            if (!name.equals("libc.so.6")) {
                throw new IllegalArgumentException("no " + name);
            }
            return Linker.nativeLinker().defaultLookup();
        });
        assertEquals("libc.so.6", lib.soname());
        // a symbol that is there links; one that is not names itself and the library
        lib.function("abs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> lib.function("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT)));
        assertTrue(e.getMessage().contains("libc.so.6 has no symbol cublasSgemm_v2"), e.getMessage());
    }

    @Test
    void aRealMissingLibraryIsAnIllegalStateNotALinkError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NativeLibrary.open("nothing", List.of("libredengine-no-such-library.so.7")));
        assertTrue(e.getMessage().contains("libredengine-no-such-library.so.7"), e.getMessage());
    }

    @Test
    void ptxArchitectureFollowsComputeCapability() {
        assertEquals(90, PtxModules.archFor(9, 0));   // H100, H200
        assertEquals(90, PtxModules.archFor(10, 0));  // newer: forward-compatible PTX JIT
        assertEquals(80, PtxModules.archFor(8, 0));   // A100
        assertEquals(80, PtxModules.archFor(8, 9));   // RTX 40
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PtxModules.archFor(7, 5));
        assertTrue(e.getMessage().contains("7.5") && e.getMessage().contains("8.0"), e.getMessage());
    }

    @Test
    void entryParametersAreParsedFromPtx() {
        String ptx = """
                .version 8.8
                .target sm_90
                .visible .entry k1(
                \t.param .u64 .ptr .align 1 k1_param_0,
                \t.param .u32 k1_param_1,
                \t.param .f32 k1_param_2,
                \t.param .u64 k1_param_3
                )
                { ret; }
                .visible .entry k2()
                { ret; }
                """;
        Map<String, List<PtxModules.Param>> e = PtxModules.entries(ptx);
        assertEquals(List.of("k1", "k2"), List.copyOf(e.keySet()));
        assertEquals(List.of(new PtxModules.Param('u', 8), new PtxModules.Param('u', 4), new PtxModules.Param('f', 4),
                new PtxModules.Param('u', 8)), e.get("k1"));
        assertEquals(List.of(), e.get("k2"));
        List<PtxModules.Param> p = e.get("k1");
        PtxModules.check("k1", p, new Object[]{new CudaDriver.Ptr(16), 3, 1.5f, 7L});
        assertThrows(IllegalArgumentException.class, () -> PtxModules.check("k1", p, new Object[]{new CudaDriver.Ptr(16), 3, 1.5f}));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> PtxModules.check("k1", p, new Object[]{new CudaDriver.Ptr(16), 3f, 1.5f, 7L}));
        assertTrue(wrong.getMessage().contains("argument 1 is a .u32, given Float"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PtxModules.check("k1", p, new Object[]{new CudaDriver.Ptr(16), 3L, 1.5f, 7L}));
        assertThrows(IllegalArgumentException.class, () -> PtxModules.check("k1", p, new Object[]{new CudaDriver.Ptr(16), 3, 1.5f, 7}));
    }

    /** The packed PTX (built when nvcc is on PATH) has every kernel CudaBackend loads, in both architectures. */
    @Test
    void thePackedPtxHasTheKernelsOfTheBackend() {
        assumeTrue(PtxModules.class.getResource(PtxModules.resource("rmsnorm", 90)) != null, "no PTX in target/classes (nvcc absent)");
        for (int arch : PtxModules.ARCHES) {
            Map<String, List<PtxModules.Param>> rms = PtxModules.entries(PtxModules.load("rmsnorm", arch));
            // rmsnorm_forward(out, rstd, x, weight, int C, float eps), as in native/rmsnorm.cu
            assertEquals(List.of(new PtxModules.Param('u', 8), new PtxModules.Param('u', 8), new PtxModules.Param('u', 8),
                    new PtxModules.Param('u', 8), new PtxModules.Param('u', 4), new PtxModules.Param('f', 4)), rms.get("rmsnorm_forward"));
            assertTrue(PtxModules.entries(PtxModules.load("matmul", arch)).containsKey("matmul_forward"));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PtxModules.load("no_such_module", 90));
        assertTrue(e.getMessage().contains("no_such_module.sm90.ptx"), e.getMessage());
    }

    @Test
    void driverErrorsNameTheCallAndCudasText() {
        assertEquals("CUDA cuMemAlloc(64 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory), code 2",
                GpuDriver.message("cuMemAlloc(64 bytes)", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"));
        assertEquals("CUDA cuInit failed: error, code 999", GpuDriver.message("cuInit", 999, null, null));
    }

    @Test
    void withoutAGpuTheProviderSaysWhy() {
        String reason = GpuDriver.unavailableReason();
        assumeTrue(reason != null, "this machine has a usable GPU");
        var a = new CudaBackendProvider().availability();
        assertTrue(!a.available() && a.reason().startsWith("no usable GPU: ") && a.reason().contains(reason), a.reason());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new GpuDriver(0));
        assertTrue(e.getMessage().contains("libcuda.so.1") || e.getMessage().contains("CUDA"), e.getMessage());
    }

    /** The simulator tests launch through PtxCheckedDriver: a launch the PTX would not take fails there too. */
    @Test
    void simulatorLaunchesAreCheckedAgainstThePtx() {
        assumeTrue(PtxModules.class.getResource(PtxModules.resource("rmsnorm", 90)) != null, "no PTX in target/classes (nvcc absent)");
        try (CudaDriver d = new PtxCheckedDriver(SimSupport.driver(SimDriver.Order.FORWARD))) {
            d.loadModule("rmsnorm", List.of("rmsnorm_forward"));
            CudaDriver.Ptr p = CudaDriver.Ptr.NULL;
            // C as a float where the PTX has .u32: the simulator alone would convert or reject it differently per host ABI
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.launch("rmsnorm_forward", 1, 32, 0, p, p, p, p, 4f, 1e-5f));
            assertTrue(e.getMessage().contains("rmsnorm_forward") && e.getMessage().contains(".u32"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.launch("rmsnorm_forward", 1, 2048, 0, p, p, p, p, 4, 1e-5f));
            assertThrows(IllegalArgumentException.class, () -> d.launch("rmsnorm_forward", 1, 32, 64 * 1024, p, p, p, p, 4, 1e-5f));
        }
    }

    @Test
    void theSimulatorKeepsItsOwnMatmul() {
        CudaBackend be = SimSupport.backend(SimDriver.Order.FORWARD);
        try {
            assertTrue(!be.name().contains("cuBLAS"), be.name());
        } finally {
            be.close();
        }
    }
}
