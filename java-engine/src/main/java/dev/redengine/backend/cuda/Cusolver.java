package dev.redengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuSOLVER through FFM, for one thing: the eigenvalues of a symmetric matrix (a Gram matrix H^T H, whose
 * eigenvalues are the squared singular values eRank needs) with {@code cusolverDnSsyevd}. Found by soname:
 * CUDA 13 ships libcusolver.so.12, CUDA 12 libcusolver.so.11. A symmetric matrix is its own transpose, so
 * row-major and column-major storage agree and no mapping is needed.
 */
public final class Cusolver implements AutoCloseable {
    static final List<String> SONAMES = List.of("libcusolver.so.12", "libcusolver.so.11", "libcusolver.so");
    private static final int EIG_MODE_NOVECTOR = 0, FILL_MODE_LOWER = 0;

    private final MethodHandle destroy, bufferSize, syevd;
    private final MemorySegment handle;
    private boolean closed;

    private Cusolver(NativeLibrary lib) {
        MethodHandle create = lib.function("cusolverDnCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = lib.function("cusolverDnDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        bufferSize = lib.function("cusolverDnSsyevd_bufferSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        syevd = lib.function("cusolverDnSsyevd", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check("cusolverDnCreate", (int) create.invokeExact(h));
            handle = h.get(ADDRESS, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Loads cuSOLVER and creates a handle on the calling thread's current context (a GpuDriver's). */
    public static Cusolver open() {
        return new Cusolver(NativeLibrary.open("cuSOLVER (the CUDA toolkit's libcusolver)", SONAMES));
    }

    private static void check(String call, int status) {
        if (status != 0) {
            throw new IllegalStateException("cuSOLVER " + call + " failed: status " + status);
        }
    }

    /**
     * The eigenvalues, ascending, of the symmetric [n, n] matrix {@code gram} (host, row-major), computed on the
     * GPU of {@code driver}. The matrix is read from its lower triangle.
     */
    public float[] eigenvalues(GpuDriver driver, float[] gram, int n) {
        if ((long) n * n != gram.length) {
            throw new IllegalArgumentException("eigenvalues: " + gram.length + " values are not a [" + n + ", " + n + "] matrix");
        }
        if (closed) {
            throw new IllegalStateException("this cuSOLVER handle is closed");
        }
        long bytes = (long) gram.length * Float.BYTES;
        long a = driver.alloc(bytes), w = driver.alloc((long) n * Float.BYTES), info = driver.alloc(Integer.BYTES), work = 0;
        try (Arena s = Arena.ofConfined()) {
            driver.copyToDevice(a, MemorySegment.ofArray(gram));
            MemorySegment lwork = s.allocate(JAVA_INT);
            check("cusolverDnSsyevd_bufferSize(n " + n + ")", (int) bufferSize.invokeExact(handle, EIG_MODE_NOVECTOR,
                    FILL_MODE_LOWER, n, a, n, w, lwork));
            int lw = lwork.get(JAVA_INT, 0);
            work = driver.alloc(Math.max(1, (long) lw) * Float.BYTES);
            check("cusolverDnSsyevd(n " + n + ")", (int) syevd.invokeExact(handle, EIG_MODE_NOVECTOR, FILL_MODE_LOWER, n,
                    a, n, w, work, lw, info));
            int[] devInfo = new int[1];
            driver.copyToHost(MemorySegment.ofArray(devInfo), info);
            if (devInfo[0] != 0) {
                throw new IllegalStateException("cusolverDnSsyevd: devInfo " + devInfo[0]
                        + (devInfo[0] < 0 ? " (argument " + -devInfo[0] + " is wrong)" : " (the eigensolver did not converge)"));
            }
            float[] out = new float[n];
            driver.copyToHost(MemorySegment.ofArray(out), w);
            return out;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            driver.free(a);
            driver.free(w);
            driver.free(info);
            if (work != 0) {
                driver.free(work);
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                check("cusolverDnDestroy", (int) destroy.invokeExact(handle));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
