package dev.redengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS through FFM: SGEMM and strided-batched SGEMM on the current context's default stream (the stream
 * {@link GpuDriver} launches on, so a GEMM is ordered with the kernels around it). The library is found by soname
 * (CUDA 13's libcublas.so.13 first); JCuda's JCublas is not used because its natives link CUDA 12's sonames. The
 * handle keeps cuBLAS's default math mode: true FP32, no TF32 tensor cores, so results stay within the CPU
 * backend's tolerances (NVIDIA_TF32_OVERRIDE=1 in the environment would change that).
 */
public final class Cublas implements ColumnMajorSgemm, AutoCloseable {
    static final List<String> SONAMES = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so");
    private static final int OP_N = 0, OP_T = 1;

    private final NativeLibrary lib;
    private final MethodHandle create, destroy, sgemm, sgemmBatched, statusString;
    private final MemorySegment handle;
    private boolean closed;

    private Cublas(NativeLibrary lib) {
        this.lib = lib;
        create = lib.function("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = lib.function("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        sgemm = lib.function("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        sgemmBatched = lib.function("cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        statusString = lib.function("cublasGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check("cublasCreate", (int) create.invokeExact(h));
            handle = h.get(ADDRESS, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Loads cuBLAS and creates a handle on the calling thread's current context (a GpuDriver's). */
    static Cublas open() {
        return new Cublas(NativeLibrary.open("cuBLAS (the CUDA toolkit's libcublas)", SONAMES));
    }

    String soname() {
        return lib.soname();
    }

    private void check(String call, int status) {
        if (status != 0) {
            String text;
            try {
                MemorySegment s = (MemorySegment) statusString.invokeExact(status);
                text = s.equals(MemorySegment.NULL) ? "status " + status : s.reinterpret(256).getString(0);
            } catch (Throwable t) {
                text = "status " + status;
            }
            throw new IllegalStateException("cuBLAS " + call + " failed: " + text + " (" + status + ")");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this cuBLAS handle is closed");
        }
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
                      float beta, long c, int ldc) {
        requireOpen();
        try (Arena s = Arena.ofConfined()) {
            // alpha and beta by host pointer (cuBLAS's default pointer mode)
            MemorySegment al = s.allocateFrom(JAVA_FLOAT, alpha), be = s.allocateFrom(JAVA_FLOAT, beta);
            check("cublasSgemm(m " + m + ", n " + n + ", k " + k + ")", (int) sgemm.invokeExact(handle, transA ? OP_T : OP_N,
                    transB ? OP_T : OP_N, m, n, k, al, a, lda, b, ldb, be, c, ldc));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                    long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC,
                                    int batch) {
        requireOpen();
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = s.allocateFrom(JAVA_FLOAT, alpha), be = s.allocateFrom(JAVA_FLOAT, beta);
            check("cublasSgemmStridedBatched(m " + m + ", n " + n + ", k " + k + ", batch " + batch + ")",
                    (int) sgemmBatched.invokeExact(handle, transA ? OP_T : OP_N, transB ? OP_T : OP_N, m, n, k, al,
                            a, lda, strideA, b, ldb, strideB, be, c, ldc, strideC, batch));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                check("cublasDestroy", (int) destroy.invokeExact(handle));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
