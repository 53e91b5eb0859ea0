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
 * Attention forward (out, probs) and backward (dq, dk, dv) against a plain double-precision loop, over
 * shapes that exercise the tile edges: sequence lengths that are not multiples of the row or key tiles,
 * head dims below, between and above one vector, grouped and plain heads, one and two threads.
 */
class AttentionReferenceTest {
    private static final double TOLERANCE = 1e-5;   // relative to max |reference| of each tensor

    static Stream<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        int[][] heads = {{1, 1}, {4, 2}, {6, 3}};
        int[] dims = {6, 16, 32, 64};
        int[] lengths = {1, 3, 8, 17, 64, 67, 130};
        int n = 0;
        for (int[] hk : heads) {
            for (int d : dims) {
                for (int t : lengths) {
                    // alternate batch and threads over the cases to keep the suite short
                    cases.add(Arguments.of(1 + n % 2, t, hk[0], hk[1], d, 1 + (n / 2) % 2));
                    n++;
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4} threads={5}")
    @MethodSource("shapes")
    void matchesDoublePrecisionLoop(int b, int t, int h, int kv, int d, int threads) {
        SplittableRandom rng = new SplittableRandom(1000L * t + 10L * d + h);
        double[] q = random(rng, b * t * h * d), k = random(rng, b * t * kv * d), v = random(rng, b * t * kv * d);
        double[] dout = random(rng, b * t * h * d);
        float scale = (float) (1 / Math.sqrt(d));
        Reference ref = new Reference(b, t, h, kv, d, scale, q, k, v, dout);
        try (CpuBackend be = new CpuBackend(threads)) {
            Tensor qt = tensor(be, q, b * t, h, d), kt = tensor(be, k, b * t, kv, d), vt = tensor(be, v, b * t, kv, d);
            Tensor out = garbage(be, b * t, h, d), probs = garbage(be, b, h, t, t);
            be.attention(out, probs, qt, kt, vt, b, t, scale);
            assertClose(be, "out", ref.out, out);
            assertClose(be, "probs", ref.probs, probs);
            Tensor dq = garbage(be, b * t, h, d), dk = garbage(be, b * t, kv, d), dv = garbage(be, b * t, kv, d);
            be.attentionBackward(dq, dk, dv, tensor(be, dout, b * t, h, d), qt, kt, vt, probs, b, t, scale);
            assertClose(be, "dq", ref.dq, dq);
            assertClose(be, "dk", ref.dk, dk);
            assertClose(be, "dv", ref.dv, dv);
        }
    }

    /** The textbook formulas, one (batch, head) at a time, in double. */
    private static final class Reference {
        final double[] out, probs, dq, dk, dv;

        Reference(int b, int t, int h, int kv, int d, double scale, double[] q, double[] k, double[] v, double[] dout) {
            out = new double[q.length];
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

    private static double[] random(SplittableRandom rng, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * rng.nextDouble() - 1);   // representable in float, so both sides see the same input
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

    private static void assertClose(CpuBackend be, String name, double[] expected, Tensor tensor) {
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
        assertTrue(err <= TOLERANCE * max, name + ": max error " + err + " at " + worst + " (expected "
                + expected[worst] + ", got " + actual[worst] + "), max |ref| " + max);
    }
}
