package dev.redengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link CudaDriver} over the CUDA simulator: {@code libredengine_cudasim.so}, the kernels of {@code native/}
 * compiled by g++ against {@code native/cuda_sim.h} (see {@code native/build.sh}), called through FFM. Device
 * memory is host memory; a launch runs synchronously on the calling thread, each CUDA thread a fiber, in the
 * {@link Order} this driver was opened with.
 */
public final class SimDriver implements CudaDriver {

    /** The order in which the fibers of a block (and the blocks of a grid) run. */
    public enum Order {
        FORWARD, REVERSED, SHUFFLED;

        public static Order parse(String s) {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        }
    }

    /** System property with the simulator library's path. */
    public static final String LIBRARY_PROPERTY = "redengine.cudasim.lib";

    private static final Linker LINKER = Linker.nativeLinker();

    private final Path library;
    private final Order order;
    private final Arena libraryArena = Arena.ofShared();
    private final MethodHandle malloc, freeHandle, memcpy, memsetHandle, launchHandle, signature, lastError;
    private final java.util.concurrent.ConcurrentHashMap<String, String> signatures = new java.util.concurrent.ConcurrentHashMap<>();
    private long seed;
    private boolean closed;

    /**
     * Loads the library at {@code library}. {@code seed} starts the per-launch seeds of {@link Order#SHUFFLED}
     * (launch k shuffles with seed + k), so that a run reproduces.
     */
    public SimDriver(Path library, Order order, long seed) {
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException("the CUDA simulator library " + library + " does not exist (native/build.sh builds it)");
        }
        this.library = library;
        this.order = order;
        this.seed = seed;
        SymbolLookup lib = SymbolLookup.libraryLookup(library, libraryArena);
        malloc = handle(lib, "sim_malloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        freeHandle = handle(lib, "sim_free", FunctionDescriptor.ofVoid(JAVA_LONG));
        memcpy = handle(lib, "sim_memcpy", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        memsetHandle = handle(lib, "sim_memset", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT, JAVA_LONG));
        launchHandle = handle(lib, "sim_launch", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        signature = handle(lib, "sim_kernel_signature", FunctionDescriptor.of(ADDRESS, ADDRESS));
        lastError = handle(lib, "sim_last_error", FunctionDescriptor.of(ADDRESS));
    }

    /** The library named by the system property {@value #LIBRARY_PROPERTY}. */
    public static SimDriver fromProperty(Order order, long seed) {
        String path = System.getProperty(LIBRARY_PROPERTY);
        if (path == null || path.isBlank()) {
            throw new IllegalStateException("system property " + LIBRARY_PROPERTY + " does not name the CUDA simulator library");
        }
        return new SimDriver(Path.of(path), order, seed);
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(lib.findOrThrow(name), fd);
    }

    public Order order() {
        return order;
    }

    @Override
    public String name() {
        return "cuda-sim (" + library.getFileName() + ", threads " + order.name().toLowerCase(Locale.ROOT) + ")";
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("the CUDA simulator driver is closed");
        }
    }

    @Override
    public long alloc(long bytes) {
        open();
        try {
            long p = (long) malloc.invokeExact(bytes);
            if (p == 0) {
                throw new OutOfMemoryError("cuda-sim: cannot allocate " + bytes + " bytes");
            }
            return p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void free(long address) {
        open();
        try {
            freeHandle.invokeExact(address);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src) {
        open();
        MemorySegment.copy(src, 0, device(dst, src.byteSize()), 0, src.byteSize());
    }

    @Override
    public void copyToHost(MemorySegment dst, long src) {
        open();
        MemorySegment.copy(device(src, dst.byteSize()), 0, dst, 0, dst.byteSize());
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        open();
        try {
            memcpy.invokeExact(dst, src, bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void memset(long address, int value, long bytes) {
        open();
        try {
            memsetHandle.invokeExact(address, value, bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Simulated device memory is host memory: a view of it for the copies. */
    private static MemorySegment device(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    @Override
    public void loadModule(String module, List<String> kernels) {
        open();
        for (String k : kernels) {
            if (kernelSignature(k) == null) {
                throw new IllegalStateException("cuda-sim: module " + module + " has no kernel " + k + " in " + library);
            }
        }
    }

    /** One letter per argument (p pointer, i int, l long, f float), or null if the library has no such kernel. */
    public String kernelSignature(String kernel) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = (MemorySegment) signature.invokeExact(a.allocateFrom(kernel));
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void launch(String kernel, int grid, int block, int sharedBytes, Object... args) {
        open();
        String sig = signatures.get(kernel);
        if (sig == null) {
            sig = kernelSignature(kernel);
            if (sig != null) {
                signatures.put(kernel, sig);
            }
        }
        if (sig == null) {
            throw new IllegalStateException("cuda-sim: no kernel " + kernel + " in " + library);
        }
        if (sig.length() != args.length) {
            throw new IllegalArgumentException("kernel " + kernel + " takes " + sig.length() + " arguments (" + sig + "), given " + args.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment argv = a.allocate(ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment slot = a.allocate(8, 8);
                char want = sig.charAt(i);
                switch (args[i]) {
                    case Ptr p when want == 'p' -> slot.set(JAVA_LONG, 0, p.address());
                    case Integer v when want == 'i' -> slot.set(JAVA_INT, 0, v);
                    case Long v when want == 'l' -> slot.set(JAVA_LONG, 0, v);
                    case Float v when want == 'f' -> slot.set(ValueLayout.JAVA_FLOAT, 0, v);
                    case null, default -> throw new IllegalArgumentException("kernel " + kernel + " argument " + i + " is '"
                            + want + "' in its signature " + sig + ", given " + args[i]
                            + (args[i] == null ? "" : " (" + args[i].getClass().getSimpleName() + ")"));
                }
                argv.setAtIndex(ADDRESS, i, slot);
            }
            int rc = (int) launchHandle.invokeExact(a.allocateFrom(kernel), grid, 1, 1, block, 1, 1, sharedBytes, argv,
                    order.ordinal(), seed++);
            if (rc != 0) {
                MemorySegment msg = (MemorySegment) lastError.invokeExact();
                throw new IllegalStateException("cuda-sim: launch of " + kernel + " failed: " + msg.reinterpret(Long.MAX_VALUE).getString(0));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void synchronize() {
        // launches are synchronous here
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            libraryArena.close();
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
