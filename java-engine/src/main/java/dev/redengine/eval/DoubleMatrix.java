package dev.redengine.eval;

/**
 * A float64 row-major matrix {@code [rows, cols]}: the prepared matrix Z whose Gram spectrum gives the eRank
 * (centred and row-normalised for RED, the input as is for Roy-Vetterli).
 */
public record DoubleMatrix(double[] data, int rows, int cols) {
    public DoubleMatrix {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("data of length " + data.length + " is not [" + rows + ", " + cols + "]");
        }
    }
}
