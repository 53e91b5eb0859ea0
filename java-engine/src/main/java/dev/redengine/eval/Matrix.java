package dev.redengine.eval;

import java.util.Arrays;

/**
 * A host float32 matrix, row-major {@code [rows, cols]}: the input of the eval statistics (tokens in rows,
 * channels in columns). Nothing is copied: {@code data} is used as given and never modified by this package.
 *
 * <p>Hidden states {@code [B, T, d]} are already row-major {@code [B*T, d]}: {@code new Matrix(h, B * T, d)}
 * is "all tokens", {@link #rows(int, int)} picks one sequence.
 */
public record Matrix(float[] data, int rows, int cols) {

    public Matrix {
        if (data == null) {
            throw new IllegalArgumentException("data is null");
        }
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape [" + rows + ", " + cols + "]");
        }
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("data of length " + data.length + " is not [" + rows + ", " + cols + "]");
        }
    }

    /** Rows {@code [from, to)} as a new matrix (copies). */
    public Matrix rows(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + rows);
        }
        return new Matrix(Arrays.copyOfRange(data, from * cols, to * cols), to - from, cols);
    }

    /** Element (r, c). */
    public float get(int r, int c) {
        return data[r * cols + c];
    }

    /**
     * Throws {@link IllegalArgumentException} naming the first NaN or infinite element, by row and column.
     *
     * @param what how the caller names this matrix in the message
     */
    public void requireFinite(String what) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException(what + ": non-finite value " + data[i] + " at row " + (i / cols)
                        + ", col " + (i % cols) + " of [" + rows + ", " + cols + "]");
            }
        }
    }

    /**
     * Root mean square of all elements, {@code sqrt(mean x^2)}, accumulated in float64. Rejects NaN/Inf and
     * empty matrices with {@link IllegalArgumentException}.
     */
    public double rms() {
        if (data.length == 0) {
            throw new IllegalArgumentException("rms of an empty matrix [" + rows + ", " + cols + "]");
        }
        requireFinite("rms");
        double s = 0;
        for (float v : data) {
            s += (double) v * v;
        }
        return Math.sqrt(s / data.length);
    }
}
