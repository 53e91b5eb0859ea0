package dev.redengine.backend.cuda;

import org.junit.jupiter.api.Assumptions;

/**
 * Opens the CUDA backend for the tests tagged {@code gpu} (excluded from the normal build; tools/gpu-test.sh runs
 * them on the GPU machine through {@link GpuTestMain}). On a machine without a GPU they are skipped with the
 * reason. The system property {@value #DEVICE_PROPERTY} = cuda-sim runs them on the simulator instead (the dry run
 * of gpu-test.sh), so the same classes are exercised here.
 */
final class GpuSupport {
    static final String DEVICE_PROPERTY = "redengine.gpu-test.device";

    private GpuSupport() {
    }

    static CudaBackend backend() {
        if ("cuda-sim".equals(System.getProperty(DEVICE_PROPERTY))) {
            return SimSupport.backend(SimDriver.Order.SHUFFLED);
        }
        String why = GpuDriver.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "no GPU here: " + why);
        return new CudaBackend(new GpuDriver(0));
    }
}
