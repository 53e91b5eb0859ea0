package dev.redengine.eval;

/** A symmetric float64 matrix {@code [n, n]}, row-major, both triangles filled. */
public record Gram(double[] data, int n) {
    public Gram {
        if (n < 0 || (long) n * n != data.length) {
            throw new IllegalArgumentException("data of length " + data.length + " is not [" + n + ", " + n + "]");
        }
    }

    /**
     * The smaller Gram matrix of Z: {@code Z^T Z} ({@code cols x cols}) when {@code rows >= cols}, else
     * {@code Z Z^T} ({@code rows x rows}). Both have the same non-zero eigenvalues (the squared singular
     * values of Z). Computed in float64, blocked, parallel over row blocks of the result.
     */
    public static Gram smallerOf(DoubleMatrix z) {
        if (z.rows() >= z.cols()) {
            return new Gram(GramKernel.rowGram(GramKernel.transpose(z.data(), z.rows(), z.cols()), z.cols(), z.rows()),
                    z.cols());
        }
        return new Gram(GramKernel.rowGram(z.data(), z.rows(), z.cols()), z.rows());
    }
}
