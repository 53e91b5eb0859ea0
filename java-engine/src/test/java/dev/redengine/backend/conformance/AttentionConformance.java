package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code attention} and {@code attentionBackward}: causal GQA softmax attention that saves only lse [B, H, T],
 * and a backward that recomputes the probabilities from q, k and lse. The reference is a plain double loop
 * that forms the whole T x T probability matrix. Shapes: T = 1 (the only key is the query's own), lengths that
 * are not multiples of any tile (3, 17, 67), head dims below and above one vector (6, 16, 40) and those that
 * change a device kernel's tile (8, 64, 128), GQA ratios 1, 2, 3 and 4, B = 1 and 2, and near one-hot rows
 * (|q| up to 12).
 *
 * <p>Tolerance: each element within 1e-5 of the tensor's max |reference| plus 1e-6 x |q| absolute. The
 * float32 sums run over at most T = 67 keys and D = 40 dims, whose rounding is a few U times the sum of the
 * magnitudes (U = 2^-24 = 6e-8); 1e-5 leaves room for exp's error and for the backward's dP - rowsum(dO * O),
 * which cancels to rounding where dq and dk are 0 (T = 1, hence the absolute floor).
 */
public abstract class AttentionConformance extends BackendConformance {
    private static final double RELATIVE = 1e-5, FLOOR = 1e-6;

    static List<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        int[][] heads = {{1, 1}, {4, 2}, {6, 3}, {4, 1}};
        int n = 0;
        for (int[] hk : heads) {
            for (int d : new int[]{6, 16, 40}) {
                for (int t : new int[]{1, 3, 17, 67}) {
                    cases.add(Arguments.of(1 + n % 2, t, hk[0], hk[1], d, 1, (long) n));
                    n++;
                }
            }
        }
        cases.add(Arguments.of(2, 67, 4, 2, 16, 12, 100L));
        cases.add(Arguments.of(1, 17, 6, 3, 6, 12, 101L));
        // head dims that change a device kernel's tile (shared memory bounds it): 8, 64, 128
        cases.add(Arguments.of(2, 40, 4, 1, 64, 1, 102L));
        cases.add(Arguments.of(1, 33, 2, 2, 8, 1, 103L));
        cases.add(Arguments.of(1, 20, 2, 1, 128, 2, 104L));
        return cases;
    }

    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4} |q|<={5}")
    @MethodSource("shapes")
    void forwardAndBackward(int b, int t, int h, int kv, int d, int amplitude, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float[] q = uniform(rng, b * t * h * d, amplitude), k = uniform(rng, b * t * kv * d, 1);
        float[] v = uniform(rng, b * t * kv * d, 1), dout = uniform(rng, b * t * h * d, 1);
        float scale = (float) (1 / Math.sqrt(d));
        Reference ref = new Reference(b, t, h, kv, d, scale, q, k, v, dout);
        Tensor qt = upload(q, b * t, h, d), kt = upload(k, b * t, kv, d), vt = upload(v, b * t, kv, d);
        Tensor out = upload(nans(b * t * h * d), b * t, h, d), lse = upload(nans(b * h * t), b, h, t);
        be.attention(out, lse, qt, kt, vt, b, t, scale);
        double floor = FLOOR * amplitude;
        close("out", ref.out, download(out), floor);
        close("lse", ref.lse, download(lse), floor);
        Tensor dq = upload(nans(q.length), b * t, h, d), dk = upload(nans(k.length), b * t, kv, d);
        Tensor dv = upload(nans(v.length), b * t, kv, d);
        be.attentionBackward(dq, dk, dv, upload(dout, b * t, h, d), qt, kt, vt, out, lse, b, t, scale);
        close("dq", ref.dq, download(dq), floor);
        close("dk", ref.dk, download(dk), floor);
        close("dv", ref.dv, download(dv), floor);
        Expect.same("q is read only", q, download(qt));
    }

    @org.junit.jupiter.api.Test
    void headsThatDoNotShareKvEvenlyAreRefused() {
        int b = 1, t = 2, d = 4;
        Tensor q = zeros(b * t, 3, d), k = zeros(b * t, 2, d), v = zeros(b * t, 2, d);
        assertThrows(IllegalArgumentException.class,
                () -> be.attention(zeros(b * t, 3, d), zeros(b, 3, t), q, k, v, b, t, 0.5f));
    }

    private static float[] nans(int n) {
        float[] x = new float[n];
        Arrays.fill(x, Float.NaN);
        return x;
    }

    private static void close(String what, double[] want, float[] got, double floor) {
        double max = 0;
        for (double w : want) {
            max = Math.max(max, Math.abs(w));
        }
        double[] tol = new double[want.length];
        Arrays.fill(tol, RELATIVE * max + floor);
        Expect.within(what, want, got, tol);
    }

    /** Attention in double with the full probability matrix P [B, H, T, T], forward and backward. */
    private static final class Reference {
        final double[] out, lse, dq, dk, dv;

        Reference(int b, int t, int h, int kv, int d, float scale, float[] q, float[] k, float[] v, float[] dout) {
            out = new double[q.length];
            lse = new double[b * h * t];
            dq = new double[q.length];
            dk = new double[k.length];
            dv = new double[v.length];
            int group = h / kv;
            for (int bb = 0; bb < b; bb++) {
                for (int hh = 0; hh < h; hh++) {
                    int g = hh / group;
                    double[][] p = new double[t][t];
                    for (int i = 0; i < t; i++) {
                        double max = Double.NEGATIVE_INFINITY;
                        double[] s = new double[i + 1];
                        for (int j = 0; j <= i; j++) {
                            for (int c = 0; c < d; c++) {
                                s[j] += (double) q[qi(bb, i, hh, c, t, h, d)] * k[qi(bb, j, g, c, t, kv, d)];
                            }
                            s[j] *= scale;
                            max = Math.max(max, s[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j <= i; j++) {
                            sum += Math.exp(s[j] - max);
                        }
                        lse[(bb * h + hh) * t + i] = max + Math.log(sum);
                        for (int j = 0; j <= i; j++) {
                            p[i][j] = Math.exp(s[j] - max) / sum;
                            for (int c = 0; c < d; c++) {
                                out[qi(bb, i, hh, c, t, h, d)] += p[i][j] * v[qi(bb, j, g, c, t, kv, d)];
                            }
                        }
                    }
                    for (int i = 0; i < t; i++) {
                        double[] dp = new double[i + 1];
                        double rowDot = 0;
                        for (int j = 0; j <= i; j++) {
                            for (int c = 0; c < d; c++) {
                                dp[j] += (double) dout[qi(bb, i, hh, c, t, h, d)] * v[qi(bb, j, g, c, t, kv, d)];
                                dv[qi(bb, j, g, c, t, kv, d)] += p[i][j] * dout[qi(bb, i, hh, c, t, h, d)];
                            }
                            rowDot += p[i][j] * dp[j];
                        }
                        for (int j = 0; j <= i; j++) {
                            double ds = p[i][j] * (dp[j] - rowDot) * scale;
                            for (int c = 0; c < d; c++) {
                                dq[qi(bb, i, hh, c, t, h, d)] += ds * k[qi(bb, j, g, c, t, kv, d)];
                                dk[qi(bb, j, g, c, t, kv, d)] += ds * q[qi(bb, i, hh, c, t, h, d)];
                            }
                        }
                    }
                }
            }
        }

        /** Index of [b, t, head, c] in a [B, T, heads, D] tensor. */
        private static int qi(int b, int tt, int head, int c, int t, int heads, int d) {
            return ((b * t + tt) * heads + head) * d + c;
        }
    }
}
