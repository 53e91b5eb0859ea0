package dev.redengine.backend.cpu;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention forward (out, lse) and backward (dq, dk, dv, which recomputes the probabilities from lse) against a
 * plain double-precision loop that stores the probabilities, over shapes that exercise the tile edges: sequence
 * lengths that are not multiples of the row, key or backward block tiles (T = 1, 3, ..., 130), head dims below,
 * between and above one vector, grouped and plain heads (GQA ratios 1, 2, 3, 4), one and two threads.
 */
class AttentionReferenceTest {
    private static final double TOLERANCE = 1e-5;   // relative to max |reference| of each tensor
    /**
     * Plus this much absolute, times the amplitude of q (the other inputs are of order 1): dq and dk are exactly 0
     * at T = 1, but the engine gets dP - rowsum(dO * O) there as two float dot products in different orders, which
     * cancel only to rounding.
     */
    private static final double FLOOR = 1e-6;

    static Stream<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        int[][] heads = {{1, 1}, {4, 2}, {6, 3}, {4, 1}};
        int[] dims = {6, 16, 32, 64};
        int[] lengths = {1, 3, 8, 17, 64, 67, 130};
        int n = 0;
        for (int[] hk : heads) {
            for (int d : dims) {
                for (int t : lengths) {
                    // alternate batch and threads over the cases to keep the suite short
                    cases.add(Arguments.of(1 + n % 2, t, hk[0], hk[1], d, 1 + (n / 2) % 2, 1));
                    n++;
                }
            }
        }
        // large scores (|s| up to ~20): near one-hot rows, where P = exp(s - lse) must still match exp(s - max) / sum
        for (int t : new int[] {1, 67, 130}) {
            cases.add(Arguments.of(2, t, 4, 2, 32, 2, 12));
            cases.add(Arguments.of(1, t, 6, 3, 6, 1, 12));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4} threads={5} |q|<={6}")
    @MethodSource("shapes")
    void matchesDoublePrecisionLoop(int b, int t, int h, int kv, int d, int threads, int amplitude) {
        SplittableRandom rng = new SplittableRandom(1000L * t + 10L * d + h);
        double[] q = random(rng, b * t * h * d, amplitude), k = random(rng, b * t * kv * d, 1), v = random(rng, b * t * kv * d, 1);
        double[] dout = random(rng, b * t * h * d, 1);
        float scale = (float) (1 / Math.sqrt(d));
        Reference ref = new Reference(b, t, h, kv, d, scale, q, k, v, dout);
        try (CpuBackend be = new CpuBackend(threads)) {
            Tensor qt = tensor(be, q, b * t, h, d), kt = tensor(be, k, b * t, kv, d), vt = tensor(be, v, b * t, kv, d);
            Tensor out = garbage(be, b * t, h, d), lse = garbage(be, b, h, t);
            be.attention(out, lse, qt, kt, vt, b, t, scale);
            assertClose(be, "out", ref.out, out, FLOOR * amplitude);
            assertClose(be, "lse", ref.lse, lse, FLOOR * amplitude);
            Tensor dq = garbage(be, b * t, h, d), dk = garbage(be, b * t, kv, d), dv = garbage(be, b * t, kv, d);
            be.attentionBackward(dq, dk, dv, tensor(be, dout, b * t, h, d), qt, kt, vt, out, lse, b, t, scale);
            assertClose(be, "dq", ref.dq, dq, FLOOR * amplitude);
            assertClose(be, "dk", ref.dk, dk, FLOOR * amplitude);
            assertClose(be, "dv", ref.dv, dv, FLOOR * amplitude);
        }
    }

    /**
     * The textbook formulas, one (batch, head) at a time, in double: the probabilities of each row are stored
     * and the softmax backward uses rowsum(P * dP) directly, so that the engine's recomputation from lse and its
     * rowsum(dO * O) identity are checked against the definitions, not against themselves.
     */
    private static final class Reference {
        final double[] out, lse, probs, dq, dk, dv;

        Reference(int b, int t, int h, int kv, int d, double scale, double[] q, double[] k, double[] v, double[] dout) {
            out = new double[q.length];
            lse = new double[b * h * t];
            probs = new double[b * h * t * t];
            dq = new double[q.length];
            dk = new double[k.length];
            dv = new double[v.length];
            for (int bb = 0; bb < b; bb++) {
                for (int hh = 0; hh < h; hh++) {
                    int g = hh / (h / kv);
                    for (int i = 0; i < t; i++) {
                        int qi = ((bb * t + i) * h + hh) * d, pi = ((bb * h + hh) * t + i) * t;
                        double[] s = new double[i + 1];
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (int j = 0; j <= i; j++) {
                            int kj = ((bb * t + j) * kv + g) * d;
                            for (int c = 0; c < d; c++) {
                                s[j] += q[qi + c] * k[kj + c] * scale;
                            }
                            max = Math.max(max, s[j]);
                        }
                        for (int j = 0; j <= i; j++) {
                            sum += Math.exp(s[j] - max);
                        }
                        lse[(bb * h + hh) * t + i] = max + Math.log(sum);
                        // dp[j] = dout_i . v_j; ds[j] = p[j] (dp[j] - sum_j p dp) scale
                        double[] dp = new double[i + 1];
                        double pdp = 0;
                        for (int j = 0; j <= i; j++) {
                            int kj = ((bb * t + j) * kv + g) * d;
                            double p = Math.exp(s[j] - max) / sum;
                            probs[pi + j] = p;
                            for (int c = 0; c < d; c++) {
                                out[qi + c] += p * v[kj + c];
                                dp[j] += dout[qi + c] * v[kj + c];
                                dv[kj + c] += p * dout[qi + c];
                            }
                            pdp += p * dp[j];
                        }
                        for (int j = 0; j <= i; j++) {
                            int kj = ((bb * t + j) * kv + g) * d;
                            double ds = probs[pi + j] * (dp[j] - pdp) * scale;
                            for (int c = 0; c < d; c++) {
                                dq[qi + c] += ds * k[kj + c];
                                dk[kj + c] += ds * q[qi + c];
                            }
                        }
                    }
                }
            }
        }
    }

    private static double[] random(SplittableRandom rng, int n, int amplitude) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * (2 * rng.nextDouble() - 1));   // representable in float: both sides see the same input
        }
        return x;
    }

    private static Tensor tensor(CpuBackend be, double[] x, int... shape) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        Tensor t = be.allocate(shape);
        be.upload(t, f);
        return t;
    }

    /** Outputs start as NaN so that any entry the op fails to write shows up. */
    private static Tensor garbage(CpuBackend be, int... shape) {
        Tensor t = be.allocate(shape);
        float[] nan = new float[Math.toIntExact(t.numel())];
        java.util.Arrays.fill(nan, Float.NaN);
        be.upload(t, nan);
        return t;
    }

    private static void assertClose(CpuBackend be, String name, double[] expected, Tensor tensor, double floor) {
        float[] actual = be.downloadFloats(tensor);
        double max = 0, err = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
        }
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs(actual[i] - expected[i]);
            if (Double.isNaN(e)) {
                e = Double.POSITIVE_INFINITY;
            }
            if (e > err) {
                err = e;
                worst = i;
            }
        }
        assertTrue(err <= TOLERANCE * max + floor, name + ": max error " + err + " at " + worst + " (expected "
                + expected[worst] + ", got " + actual[worst] + "), max |ref| " + max);
    }
}
