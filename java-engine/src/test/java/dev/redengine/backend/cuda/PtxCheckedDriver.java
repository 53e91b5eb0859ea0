package dev.redengine.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link CudaDriver} that checks every launch against what a GPU would accept, then passes it on (to the
 * simulator): the kernel's parameter list in the PTX that the jar ships (compute_80 and compute_90, the same
 * check {@link GpuDriver} makes), at most 1024 threads per block and 48 KiB of dynamic shared memory. The
 * simulator checks arguments against the host compiler's signature; this catches what only the PTX would
 * disagree with, so that the simulator tests also prove the launches a GPU will get. Without PTX (nvcc absent
 * when the build ran) it checks block and shared memory only.
 */
final class PtxCheckedDriver implements CudaDriver {
    private final CudaDriver inner;
    private final boolean havePtx = PtxModules.class.getResource(PtxModules.resource("rmsnorm", 90)) != null;
    private final Map<String, Map<Integer, List<PtxModules.Param>>> params = new HashMap<>();

    PtxCheckedDriver(CudaDriver inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public long alloc(long bytes) {
        return inner.alloc(bytes);
    }

    @Override
    public void free(long address) {
        inner.free(address);
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src) {
        inner.copyToDevice(dst, src);
    }

    @Override
    public void copyToHost(MemorySegment dst, long src) {
        inner.copyToHost(dst, src);
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        inner.copyOnDevice(dst, src, bytes);
    }

    @Override
    public void memset(long address, int value, long bytes) {
        inner.memset(address, value, bytes);
    }

    @Override
    public synchronized void loadModule(String module, List<String> kernels) {
        if (havePtx) {
            for (int arch : PtxModules.ARCHES) {
                Map<String, List<PtxModules.Param>> entries = PtxModules.entries(PtxModules.load(module, arch));
                for (String k : kernels) {
                    List<PtxModules.Param> p = entries.get(k);
                    if (p == null) {
                        throw new IllegalStateException("the PTX of " + module + " (compute_" + arch + ") has no kernel " + k);
                    }
                    params.computeIfAbsent(k, x -> new HashMap<>()).put(arch, p);
                }
            }
        }
        inner.loadModule(module, kernels);
    }

    @Override
    public void launch(String kernel, int grid, int block, int sharedBytes, Object... args) {
        if (grid < 1 || block < 1 || block > 1024 || sharedBytes < 0 || sharedBytes > KernelLaunches.SHARED_LIMIT) {
            throw new IllegalArgumentException("kernel " + kernel + ": grid " + grid + ", block " + block + ", shared " + sharedBytes
                    + " bytes: a GPU takes 1..1024 threads per block and at most " + KernelLaunches.SHARED_LIMIT + " bytes of shared memory");
        }
        if (havePtx) {
            Map<Integer, List<PtxModules.Param>> byArch;
            synchronized (this) {
                byArch = params.get(kernel);
            }
            if (byArch == null) {
                throw new IllegalStateException("kernel " + kernel + " launched before its module was loaded");
            }
            byArch.forEach((arch, p) -> PtxModules.check(kernel + " (compute_" + arch + ")", p, args));
        }
        inner.launch(kernel, grid, block, sharedBytes, args);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void close() {
        inner.close();
    }
}
