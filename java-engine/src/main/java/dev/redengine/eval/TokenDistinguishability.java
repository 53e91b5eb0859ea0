package dev.redengine.eval;

/**
 * Token distinguishability as RED reports it: the mean pairwise cosine similarity of the token rows of
 * {@code Z [N, d]} over all pairs {@code i < j} (higher = tokens less distinguishable; 1 = all the same
 * direction, 0 = mutually orthogonal on average, down to {@code -1/(N-1)}).
 *
 * <p>O(N d), float64: with unit rows {@code u_i}, {@code sum_{i<j} u_i . u_j = (||sum u_i||^2 - sum ||u_i||^2)
 * / 2}, so the mean is {@code (||sum u_i||^2 - K) / (K (K - 1))} over the K kept rows.
 *
 * <p>Degenerate input (never NaN): NaN/Inf elements throw {@link IllegalArgumentException} naming row and
 * column; all-zero rows have no direction and are <b>skipped</b> (K counts the non-zero rows); fewer than 2
 * non-zero rows throw {@link IllegalArgumentException}. The result is clamped to {@code [-1, 1]} against
 * round-off.
 */
public final class TokenDistinguishability {
    private TokenDistinguishability() {
    }

    /** Mean cosine similarity over all pairs of non-zero rows. */
    public static double meanPairwiseCosine(Matrix m) {
        int n = m.rows();
        int d = m.cols();
        m.requireFinite("token distinguishability input");
        float[] x = m.data();
        double[] sum = new double[d];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j];
                s += v * v;
            }
            if (s == 0) {
                continue;
            }
            double inv = 1 / Math.sqrt(s);
            for (int j = 0; j < d; j++) {
                sum[j] += x[i * d + j] * inv;
            }
            kept++;
        }
        if (kept < 2) {
            throw new IllegalArgumentException("token distinguishability needs at least 2 non-zero rows, got "
                    + kept + " of [" + n + ", " + d + "]");
        }
        double s2 = 0;
        for (double v : sum) {
            s2 += v * v;
        }
        double mean = (s2 - kept) / ((double) kept * (kept - 1));
        return Math.max(-1, Math.min(1, mean));
    }
}
