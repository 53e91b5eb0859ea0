package dev.redengine.eval;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Effective rank (eRank) of token representations {@code Z [N tokens, d]}, both definitions of
 * RED-METHOD.md section 1, computed in float64 from float32 input.
 *
 * <ul>
 *   <li>{@link Definition#RED} (the default): centre each column (subtract the column mean), scale each row
 *       to unit L2 norm, {@code C = Z^T Z / N}, {@code r_j = lambda_j / sum lambda} over the eigenvalues of
 *       C, {@code eRank = exp(-sum r_j log r_j)}. In {@code [1, min(N, d)]}.</li>
 *   <li>{@link Definition#ROY_VETTERLI}: {@code p_k = s_k / sum s} over the singular values s of Z
 *       (uncentred, unnormalised), {@code eRank = exp(-sum p_k log p_k)}. In {@code [1, min(N, d)]}.</li>
 * </ul>
 *
 * <p>Computation: only eigenvalues of the smaller Gram matrix ({@code Z^T Z}, d x d, or {@code Z Z^T}, N x N
 * when N &lt; d; same non-zero eigenvalues) are needed; singular values are their square roots. The Gram and
 * its eigenvalues come from a {@link GramEigenSolver} (CPU: {@link TridiagonalEigenSolver}, checked against
 * {@link EjmlGramEigenSolver} in the tests), the entropy from
 * {@link #entropyRank}. {@link #computeAll} runs a batch (e.g. the L+1 hidden states) in parallel.
 *
 * <p><b>Round-off.</b> Eigenvalues at or below {@code n * 2^-52 * lambda_max} (n the Gram size) are
 * round-off of exact zeros (a rank-deficient Z, or the rank lost to centring) and are set to 0 before the
 * entropy; terms with weight 0 are skipped ({@code 0 log 0 = 0}). So a rank-1 matrix has eRank exactly 1 up to
 * float64 round-off, like an SVD would give, rather than the {@code sqrt(eps)} noise a Gram path would
 * otherwise add to the Roy-Vetterli weights.
 *
 * <p><b>Degenerate input</b> (never NaN):
 * <ul>
 *   <li>a NaN or infinite element: {@link IllegalArgumentException} naming its row and column;</li>
 *   <li>no rows or no columns: {@link IllegalArgumentException};</li>
 *   <li>RED, rows that are zero after centring (a row equal to the column mean; its centred L2 norm at most
 *       {@code 1e-12} times the largest uncentred row norm): such rows have no direction, so they are
 *       <b>skipped</b> and N counts only the kept rows. If no row is kept (a single token, or all tokens
 *       identical) an {@link IllegalArgumentException} says so. Centred rows sum to zero, so with real data
 *       either none or at least two rows are kept; one kept row would give 1.0.</li>
 *   <li>Roy-Vetterli: zero rows add nothing to the singular values and are simply dropped; a single non-zero
 *       row (or any rank-1 matrix) gives 1.0; an all-zero matrix throws {@link IllegalArgumentException}.</li>
 * </ul>
 */
public final class EffectiveRank {

    /** The two definitions; {@link #RED} is the project default. */
    public enum Definition {
        /** RED paper: centred, row-normalised, entropy of the normalised eigenvalues of the covariance. */
        RED,
        /** Roy and Vetterli (2007): entropy of the normalised singular values of the raw matrix. */
        ROY_VETTERLI
    }

    /** Rows whose centred norm is at most this times the largest uncentred row norm are zero rows (RED). */
    public static final double ZERO_ROW_TOLERANCE = 1e-12;

    private static final EffectiveRank CPU = new EffectiveRank(new TridiagonalEigenSolver());

    private final GramEigenSolver solver;

    public EffectiveRank(GramEigenSolver solver) {
        this.solver = solver;
    }

    /** The CPU instance ({@link TridiagonalEigenSolver}: Householder + QL, Vector API; about 5x faster than EJML). */
    public static EffectiveRank cpu() {
        return CPU;
    }

    /** RED eRank of one matrix. */
    public double compute(Matrix m) {
        return compute(m, Definition.RED);
    }

    public double compute(Matrix m, Definition def) {
        return computeAll(List.of(m), def)[0];
    }

    /** RED eRank of each matrix, in parallel. */
    public double[] computeAll(List<Matrix> ms) {
        return computeAll(ms, Definition.RED);
    }

    /** eRank of each matrix under {@code def}, in parallel; result i belongs to {@code ms.get(i)}. */
    public double[] computeAll(List<Matrix> ms, Definition def) {
        DoubleMatrix[] zs = new DoubleMatrix[ms.size()];
        try {
            IntStream.range(0, ms.size()).parallel().forEach(i -> zs[i] = prepare(ms.get(i), def, i));
        } catch (IllegalArgumentException e) {
            // thrown on a pool thread, it reaches here re-created around the original (message "java.lang...: ...")
            throw e.getCause() instanceof IllegalArgumentException original ? original : e;
        }
        double[][] eig = solver.gramEigenvalues(List.of(zs));
        double[] out = new double[zs.length];
        for (int i = 0; i < zs.length; i++) {
            out[i] = fromGramEigenvalues(eig[i], def);
        }
        return out;
    }

    /**
     * eRank from the eigenvalues of a Gram matrix (any order): RED uses them as they are (the {@code 1/N} of
     * C cancels), Roy-Vetterli their square roots. Round-off eigenvalues are cleared as described above.
     */
    public static double fromGramEigenvalues(double[] lambda, Definition def) {
        double max = 0;
        for (double l : lambda) {
            if (Double.isNaN(l)) {
                throw new IllegalArgumentException("NaN eigenvalue");
            }
            max = Math.max(max, l);
        }
        double tol = lambda.length * Math.ulp(1.0) * max;
        double[] w = new double[lambda.length];
        for (int i = 0; i < w.length; i++) {
            double l = lambda[i] <= tol ? 0 : lambda[i];
            w[i] = def == Definition.ROY_VETTERLI ? Math.sqrt(l) : l;
        }
        return entropyRank(w);
    }

    /**
     * {@code exp(-sum p log p)} with {@code p = w / sum w}; weights {@code <= 0} are skipped. Throws
     * {@link IllegalArgumentException} when no weight is positive or one is NaN/Inf.
     */
    public static double entropyRank(double[] w) {
        double sum = 0;
        for (double v : w) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("non-finite weight " + v);
            }
            if (v > 0) {
                sum += v;
            }
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("no positive weight: the matrix is zero");
        }
        double h = 0;
        for (double v : w) {
            if (v > 0) {
                double p = v / sum;
                h -= p * Math.log(p);
            }
        }
        return Math.exp(h);
    }

    /**
     * The matrix whose Gram spectrum defines the eRank: RED's centred, row-normalised Z without its zero rows,
     * or the input in float64 without its zero rows (Roy-Vetterli). Validates as documented on the class.
     */
    public static DoubleMatrix prepare(Matrix m, Definition def) {
        return prepare(m, def, -1);
    }

    private static DoubleMatrix prepare(Matrix m, Definition def, int index) {
        String what = index < 0 ? "eRank input" : "eRank input " + index;
        int n = m.rows();
        int d = m.cols();
        if (n == 0 || d == 0) {
            throw new IllegalArgumentException(what + ": empty matrix [" + n + ", " + d + "]");
        }
        m.requireFinite(what);
        float[] x = m.data();
        double[] z = new double[n * d];
        int kept = 0;
        if (def == Definition.ROY_VETTERLI) {
            for (int i = 0; i < n; i++) {
                boolean nonzero = false;
                for (int j = 0; j < d; j++) {
                    float v = x[i * d + j];
                    z[kept * d + j] = v;
                    nonzero |= v != 0;
                }
                if (nonzero) {
                    kept++;
                }
            }
            if (kept == 0) {
                throw new IllegalArgumentException(what + ": all-zero matrix [" + n + ", " + d + "] has no eRank");
            }
        } else {
            double[] mean = new double[d];
            double maxNorm2 = 0;
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    double v = x[i * d + j];
                    mean[j] += v;
                    s += v * v;
                }
                maxNorm2 = Math.max(maxNorm2, s);
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            double tol = ZERO_ROW_TOLERANCE * Math.sqrt(maxNorm2);
            for (int i = 0; i < n; i++) {
                int o = kept * d;
                double s = 0;
                for (int j = 0; j < d; j++) {
                    double v = x[i * d + j] - mean[j];
                    z[o + j] = v;
                    s += v * v;
                }
                double norm = Math.sqrt(s);
                if (norm > tol) {
                    double inv = 1 / norm;
                    for (int j = 0; j < d; j++) {
                        z[o + j] *= inv;
                    }
                    kept++;
                }
            }
            if (kept == 0) {
                throw new IllegalArgumentException(what + ": RED eRank undefined: all " + n
                        + " rows are zero after centring (a single token, or identical tokens)");
            }
        }
        if (kept < n) {
            z = java.util.Arrays.copyOf(z, kept * d);
        }
        return new DoubleMatrix(z, kept, d);
    }
}
