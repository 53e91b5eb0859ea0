package dev.redengine.eval;

import java.util.List;

/**
 * Eigenvalues of a batch of symmetric Gram matrices: the one expensive step of the effective rank. The CPU
 * implementation is {@link TridiagonalEigenSolver} ({@link EjmlGramEigenSolver} is the reference); a device
 * implementation (batched Gram with cuBLAS syrk/gemm and cuSOLVER {@code syevdBatched}/{@code syevd}) can replace it by overriding {@link #gramEigenvalues}, so
 * that the Gram is formed on the device as well.
 */
public interface GramEigenSolver {

    /**
     * The eigenvalues of each symmetric matrix, in any order (values only, no vectors). Implementations must
     * not keep references to the inputs; they may not modify them.
     */
    double[][] eigenvalues(List<Gram> grams);

    /**
     * The eigenvalues of the smaller Gram matrix of each Z ({@code Z^T Z} or {@code Z Z^T}, see
     * {@link Gram#smallerOf}); these are the squared singular values of Z, padded with zeros only when
     * {@code rows >= cols}. Default: form the Grams on the CPU in parallel, then {@link #eigenvalues}.
     */
    /** One matrix per task on the common fork-join pool: the batch parallelism both CPU solvers use. */
    static double[][] inParallel(List<Gram> grams, java.util.function.Function<Gram, double[]> one) {
        double[][] out = new double[grams.size()][];
        java.util.stream.IntStream.range(0, grams.size()).parallel().forEach(i -> out[i] = one.apply(grams.get(i)));
        return out;
    }

    default double[][] gramEigenvalues(List<DoubleMatrix> zs) {
        return eigenvalues(zs.parallelStream().map(Gram::smallerOf).toList());
    }
}
