package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.BackendProvider;
import dev.redengine.backend.BackendSettings;

/**
 * Opens {@link CudaBackend} on a GPU ({@link GpuDriver}): {@code --device cuda}. Available when libcuda.so.1 loads,
 * cuInit succeeds and the driver reports a GPU (checked once per JVM: no context is created until {@link #open});
 * priority 100, above the CPU's 0, so {@code --device auto} prefers a GPU.
 */
public final class CudaBackendProvider implements BackendProvider {
    private static volatile String unavailable;
    private static volatile boolean checked;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Availability availability() {
        if (!checked) {
            synchronized (CudaBackendProvider.class) {
                if (!checked) {
                    unavailable = GpuDriver.unavailableReason();
                    checked = true;
                }
            }
        }
        return unavailable == null ? Availability.yes() : Availability.no("no usable GPU: " + unavailable);
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public String description() {
        return "GPU through the CUDA driver API (libcuda.so.1, FFM), red-engine's PTX kernels, cuBLAS for matmul";
    }

    @Override
    public Backend open(BackendSettings settings) {
        GpuDriver driver = new GpuDriver(settings.deviceIndex());
        try {
            return new CudaBackend(driver);
        } catch (RuntimeException | Error e) {
            driver.close();
            throw e;
        }
    }
}
