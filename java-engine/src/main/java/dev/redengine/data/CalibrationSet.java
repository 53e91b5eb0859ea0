package dev.redengine.data;

import java.util.Arrays;

/**
 * Calibration input for the teacher: {@code S} sequences of exactly {@code T} token ids each, plus a one-line
 * description of where they came from (file, how they were cut) for logs and reports.
 *
 * <p>The arrays are copied in and out, and equality compares contents.
 */
public record CalibrationSet(int[][] sequences, String source) {

    public CalibrationSet {
        if (sequences.length == 0) {
            throw new IllegalArgumentException("a calibration set needs at least one sequence");
        }
        int t = sequences[0].length;
        if (t == 0) {
            throw new IllegalArgumentException("calibration sequences must not be empty");
        }
        int[][] copy = new int[sequences.length][];
        for (int s = 0; s < sequences.length; s++) {
            if (sequences[s].length != t) {
                throw new IllegalArgumentException("calibration sequence " + s + " has " + sequences[s].length
                        + " tokens, sequence 0 has " + t + ": all must have the same length");
            }
            copy[s] = sequences[s].clone();
        }
        sequences = copy;
    }

    @Override
    public int[][] sequences() {
        int[][] copy = new int[sequences.length][];
        for (int s = 0; s < copy.length; s++) {
            copy[s] = sequences[s].clone();
        }
        return copy;
    }

    /** S, the number of sequences. */
    public int numSequences() {
        return sequences.length;
    }

    /** T, the tokens in each sequence. */
    public int seqLen() {
        return sequences[0].length;
    }

    /** Sequence {@code s} (a copy). */
    public int[] sequence(int s) {
        return sequences[s].clone();
    }

    /** All ids row-major, {@code [S * T]}: the layout of {@code input_ids [S, T]} the engine takes. */
    public int[] flat() {
        int t = seqLen();
        int[] out = new int[sequences.length * t];
        for (int s = 0; s < sequences.length; s++) {
            System.arraycopy(sequences[s], 0, out, s * t, t);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CalibrationSet c && Arrays.deepEquals(sequences, c.sequences) && source.equals(c.source);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(sequences) * 31 + source.hashCode();
    }

    @Override
    public String toString() {
        return "CalibrationSet[" + numSequences() + " x " + seqLen() + ", " + source + "]";
    }
}
