package dev.redengine.backend.cuda;

import dev.redengine.backend.InsufficientMemoryException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link CudaDriver} on a real GPU: the CUDA driver API ({@code libcuda.so.1}) called through FFM, running the PTX
 * that native/build.sh packs into the jar (compute_90 on 9.x devices, compute_80 on 8.x; the driver JIT-compiles
 * it at {@link #loadModule}). One device, its primary context, the legacy default stream: launches and copies are
 * ordered as issued, and a copy to the host waits for the work before it. Every failing call is an
 * {@link IllegalStateException} naming the call and CUDA's error name and text; an allocation the device cannot
 * hold is an {@link InsufficientMemoryException} with the bytes asked, free and total.
 */
public final class GpuDriver implements CudaDriver {
    /** sonames of the driver library: the one every CUDA driver installs. */
    static final List<String> SONAMES = List.of("libcuda.so.1", "libcuda.so");

    private static final int CUDA_SUCCESS = 0, CUDA_ERROR_OUT_OF_MEMORY = 2;
    private static final int ATTR_MULTIPROCESSOR_COUNT = 16, ATTR_CC_MAJOR = 75, ATTR_CC_MINOR = 76;
    private static final int JIT_ERROR_LOG_BUFFER = 5, JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    /** The driver API entry points this class calls (the _v2 names are what cuda.h maps the plain ones to). */
    static final class Api {
        final NativeLibrary lib;
        final MethodHandle init, deviceGetCount, deviceGet, deviceGetAttribute, deviceGetName, deviceTotalMem,
                primaryCtxRetain, primaryCtxRelease, ctxSetCurrent, ctxSynchronize, moduleLoadDataEx, moduleGetFunction,
                moduleUnload, launchKernel, memAlloc, memFree, memcpyHtoD, memcpyDtoH, memcpyDtoD, memsetD8, memGetInfo,
                getErrorName, getErrorString;

        Api(NativeLibrary lib) {
            this.lib = lib;
            init = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            deviceGetCount = lib.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            deviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            deviceGetAttribute = lib.function("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            deviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            deviceTotalMem = lib.function("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            primaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            primaryCtxRelease = lib.function("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            ctxSetCurrent = lib.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            ctxSynchronize = lib.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
            moduleLoadDataEx = lib.function("cuModuleLoadDataEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            moduleGetFunction = lib.function("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
            moduleUnload = lib.function("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            launchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
            memAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            memFree = lib.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
            memcpyHtoD = lib.function("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
            memcpyDtoH = lib.function("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
            memcpyDtoD = lib.function("cuMemcpyDtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
            memsetD8 = lib.function("cuMemsetD8_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG));
            memGetInfo = lib.function("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            getErrorName = lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
            getErrorString = lib.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        }

        static Api load() {
            return new Api(NativeLibrary.open("the CUDA driver (a GPU with NVIDIA's driver installed)", SONAMES));
        }

        /** Throws unless {@code result} is CUDA_SUCCESS, naming {@code call} and CUDA's name and text for the code. */
        void check(String call, int result) {
            if (result != CUDA_SUCCESS) {
                throw new IllegalStateException(message(call, result, describe(getErrorName, result), describe(getErrorString, result)));
            }
        }

        private static String describe(MethodHandle h, int code) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                int r = (int) h.invokeExact(code, out);
                MemorySegment s = out.get(ADDRESS, 0);
                return r != CUDA_SUCCESS || s.equals(MemorySegment.NULL) ? null : s.reinterpret(4096).getString(0);
            } catch (Throwable t) {
                return null;
            }
        }
    }

    /** The message of a failed driver call, e.g. "cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory), code 2". */
    static String message(String call, int code, String name, String description) {
        return "CUDA " + call + " failed: " + (name == null ? "error" : name)
                + (description == null ? "" : " (" + description + ")") + ", code " + code;
    }

    /** Whether a GPU can be used here, and if not why; loads libcuda and calls cuInit, creates no context. */
    static String unavailableReason() {
        try {
            Api api = Api.load();
            api.check("cuInit", (int) api.init.invokeExact(0));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment n = a.allocate(JAVA_INT);
                api.check("cuDeviceGetCount", (int) api.deviceGetCount.invokeExact(n));
                if (n.get(JAVA_INT, 0) < 1) {
                    return "the CUDA driver reports no GPU";
                }
            }
            return null;
        } catch (Throwable t) {
            return t.getMessage() == null ? t.toString() : t.getMessage();
        }
    }

    private final Api api;
    private final int device, arch, multiprocessors;
    private final String deviceName;
    private final long totalMemory;
    private final MemorySegment context;
    private final Map<String, MemorySegment> modules = new ConcurrentHashMap<>();
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
    private final ThreadLocal<Boolean> bound = ThreadLocal.withInitial(() -> false);
    private Cublas cublas;
    private boolean closed;

    private record Kernel(MemorySegment function, List<PtxModules.Param> params) {
    }

    /** Opens GPU {@code ordinal} (0 = the first): initialises the driver and retains the device's primary context. */
    public GpuDriver(int ordinal) {
        api = Api.load();
        try (Arena a = Arena.ofConfined()) {
            api.check("cuInit", (int) api.init.invokeExact(0));
            MemorySegment n = a.allocate(JAVA_INT);
            api.check("cuDeviceGetCount", (int) api.deviceGetCount.invokeExact(n));
            if (ordinal < 0 || ordinal >= n.get(JAVA_INT, 0)) {
                throw new IllegalArgumentException("no GPU " + ordinal + ": the CUDA driver reports " + n.get(JAVA_INT, 0));
            }
            MemorySegment dev = a.allocate(JAVA_INT);
            api.check("cuDeviceGet", (int) api.deviceGet.invokeExact(dev, ordinal));
            device = dev.get(JAVA_INT, 0);
            int major = attribute(a, ATTR_CC_MAJOR), minor = attribute(a, ATTR_CC_MINOR);
            multiprocessors = attribute(a, ATTR_MULTIPROCESSOR_COUNT);
            MemorySegment name = a.allocate(256);
            api.check("cuDeviceGetName", (int) api.deviceGetName.invokeExact(name, 256, device));
            deviceName = name.getString(0) + " (compute " + major + "." + minor + ")";
            MemorySegment total = a.allocate(JAVA_LONG);
            api.check("cuDeviceTotalMem", (int) api.deviceTotalMem.invokeExact(total, device));
            totalMemory = total.get(JAVA_LONG, 0);
            arch = PtxModules.archFor(major, minor);
            MemorySegment ctx = a.allocate(ADDRESS);
            api.check("cuDevicePrimaryCtxRetain", (int) api.primaryCtxRetain.invokeExact(ctx, device));
            context = ctx.get(ADDRESS, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        bind();
    }

    private int attribute(Arena a, int attribute) throws Throwable {
        MemorySegment v = a.allocate(JAVA_INT);
        api.check("cuDeviceGetAttribute(" + attribute + ")", (int) api.deviceGetAttribute.invokeExact(v, attribute, device));
        return v.get(JAVA_INT, 0);
    }

    /** Makes the primary context current on the calling thread (a CUDA context is per thread). */
    private void bind() {
        if (closed) {
            throw new IllegalStateException("the GPU driver is closed");
        }
        if (!bound.get()) {
            call("cuCtxSetCurrent", () -> (int) api.ctxSetCurrent.invokeExact(context));
            bound.set(true);
        }
    }

    @FunctionalInterface
    private interface Call {
        int invoke() throws Throwable;
    }

    private void call(String name, Call c) {
        int r;
        try {
            r = c.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("CUDA " + name + " failed: " + t, t);
        }
        api.check(name, r);
    }

    /** The device's name and compute capability, e.g. "NVIDIA H200 (compute 9.0)". */
    public String deviceName() {
        return deviceName;
    }

    /** The PTX architecture this device runs (90 or 80). */
    public int arch() {
        return arch;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    public long totalMemory() {
        return totalMemory;
    }

    /** Free device memory in bytes now (cuMemGetInfo). */
    public long freeMemory() {
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG), total = a.allocate(JAVA_LONG);
            call("cuMemGetInfo", () -> (int) api.memGetInfo.invokeExact(free, total));
            return free.get(JAVA_LONG, 0);
        }
    }

    /** cuBLAS on this driver's context, opened at the first call (IllegalStateException if libcublas is absent). */
    public synchronized Cublas cublas() {
        bind();
        if (cublas == null) {
            cublas = Cublas.open();
        }
        return cublas;
    }

    @Override
    public String name() {
        return "cuda (" + deviceName + ", PTX compute_" + arch + ")";
    }

    @Override
    public long alloc(long bytes) {
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            int r = (int) api.memAlloc.invokeExact(p, Math.max(bytes, 1));
            if (r == CUDA_ERROR_OUT_OF_MEMORY) {
                long free = freeMemory();
                throw new InsufficientMemoryException("the GPU (" + deviceName + ") cannot allocate " + bytes + " bytes: "
                        + free + " of " + totalMemory + " bytes are free (use a smaller --batch/--seq-len, or free GPU memory)");
            }
            api.check("cuMemAlloc(" + bytes + " bytes)", r);
            return p.get(JAVA_LONG, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void free(long address) {
        bind();
        call("cuMemFree", () -> (int) api.memFree.invokeExact(address));
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src) {
        bind();
        if (src.isNative()) {
            call("cuMemcpyHtoD", () -> (int) api.memcpyHtoD.invokeExact(dst, src, src.byteSize()));
            return;
        }
        // a heap segment (e.g. of a Java array) cannot be passed to native code: stage it off-heap
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(src.byteSize(), 16);
            staged.copyFrom(src);
            call("cuMemcpyHtoD", () -> (int) api.memcpyHtoD.invokeExact(dst, staged, staged.byteSize()));
        }
    }

    @Override
    public void copyToHost(MemorySegment dst, long src) {
        bind();
        if (dst.isNative()) {
            call("cuMemcpyDtoH", () -> (int) api.memcpyDtoH.invokeExact(dst, src, dst.byteSize()));
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(dst.byteSize(), 16);
            call("cuMemcpyDtoH", () -> (int) api.memcpyDtoH.invokeExact(staged, src, staged.byteSize()));
            dst.copyFrom(staged);
        }
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        bind();
        call("cuMemcpyDtoD", () -> (int) api.memcpyDtoD.invokeExact(dst, src, bytes));
    }

    @Override
    public void memset(long address, int value, long bytes) {
        bind();
        call("cuMemsetD8", () -> (int) api.memsetD8.invokeExact(address, (byte) value, bytes));
    }

    @Override
    public void loadModule(String module, List<String> kernelNames) {
        bind();
        String ptx = PtxModules.load(module, arch);
        Map<String, List<PtxModules.Param>> entries = PtxModules.entries(ptx);
        MemorySegment handle = modules.computeIfAbsent(module, m -> jit(m, ptx));
        for (String k : kernelNames) {
            List<PtxModules.Param> params = entries.get(k);
            if (params == null) {
                throw new IllegalStateException("cuda: module " + module + " (" + PtxModules.resource(module, arch) + ") has no kernel " + k);
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment f = a.allocate(ADDRESS);
                call("cuModuleGetFunction(" + k + ")", () -> (int) api.moduleGetFunction.invokeExact(f, handle, a.allocateFrom(k)));
                kernels.put(k, new Kernel(f.get(ADDRESS, 0), params));
            }
        }
    }

    /** cuModuleLoadDataEx on the PTX with an error log, so that a JIT failure says why. */
    private MemorySegment jit(String module, String ptx) {
        try (Arena a = Arena.ofConfined()) {
            int logSize = 8192;
            MemorySegment log = a.allocate(logSize);
            MemorySegment options = a.allocate(JAVA_INT, 2);
            options.setAtIndex(JAVA_INT, 0, JIT_ERROR_LOG_BUFFER);
            options.setAtIndex(JAVA_INT, 1, JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment values = a.allocate(ADDRESS, 2);
            values.setAtIndex(ADDRESS, 0, log);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(logSize)); // a size passed as a pointer-sized value, as CUDA wants
            MemorySegment out = a.allocate(ADDRESS);
            int r = (int) api.moduleLoadDataEx.invokeExact(out, a.allocateFrom(ptx), 2, options, values);
            if (r != CUDA_SUCCESS) {
                String why = log.getString(0).strip();
                throw new IllegalStateException(message("cuModuleLoadDataEx(" + module + ", compute_" + arch + ")", r, null, null)
                        + (why.isEmpty() ? "" : ": " + why));
            }
            return out.get(ADDRESS, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void launch(String kernel, int grid, int block, int sharedBytes, Object... args) {
        bind();
        Kernel k = kernels.get(kernel);
        if (k == null) {
            throw new IllegalStateException("cuda: kernel " + kernel + " is not loaded (loadModule its module first)");
        }
        PtxModules.check(kernel, k.params(), args);
        try (Arena a = Arena.ofConfined()) {
            // kernelParams: one pointer per argument, to a host copy of its value
            MemorySegment params = a.allocate(ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment slot = a.allocate(8, 8);
                switch (args[i]) {
                    case Ptr p -> slot.set(JAVA_LONG, 0, p.address());
                    case Long l -> slot.set(JAVA_LONG, 0, l);
                    case Integer n -> slot.set(JAVA_INT, 0, n);
                    case Float f -> slot.set(JAVA_FLOAT, 0, f);
                    default -> throw new IllegalArgumentException("kernel " + kernel + " argument " + i + ": " + args[i]);
                }
                params.setAtIndex(ADDRESS, i, slot);
            }
            call("cuLaunchKernel(" + kernel + ", grid " + grid + ", block " + block + ", shared " + sharedBytes + ")",
                    () -> (int) api.launchKernel.invokeExact(k.function(), grid, 1, 1, block, 1, 1, sharedBytes,
                            MemorySegment.NULL, params, MemorySegment.NULL));
        }
    }

    @Override
    public void synchronize() {
        bind();
        call("cuCtxSynchronize", () -> (int) api.ctxSynchronize.invokeExact());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        bind();
        if (cublas != null) {
            cublas.close();
        }
        for (MemorySegment m : modules.values()) {
            call("cuModuleUnload", () -> (int) api.moduleUnload.invokeExact(m));
        }
        modules.clear();
        kernels.clear();
        closed = true;
        call("cuDevicePrimaryCtxRelease", () -> (int) api.primaryCtxRelease.invokeExact(device));
    }
}
