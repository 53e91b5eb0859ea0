package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code cachedAttention}: new queries at positions p .. p+T-1 against a cache of S >= p+T key/value rows, of
 * which only the first p+T may be read. The reference is a double loop over the keys j <= p + i. The rows of the
 * cache beyond p+T are filled with NaN, so that an implementation that reads past the causal limit fails. Cases:
 * a single decoding step (T = 1) at several positions, a prompt chunk (p = 0, T > 1), a chunk in the middle, GQA
 * ratios 1, 2 and 4, head dims below and above one vector. Tolerance as in {@link AttentionConformance}: 1e-5 of
 * the max |reference| plus 1e-6.
 */
public abstract class CachedAttentionConformance extends BackendConformance {

    static List<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        int[][] heads = {{1, 1}, {4, 2}, {4, 1}};
        int[][] chunks = {{0, 1}, {0, 7}, {5, 1}, {16, 1}, {9, 4}, {30, 3}};   // {position, T}
        long n = 0;
        for (int[] hk : heads) {
            for (int d : new int[]{6, 32}) {
                for (int[] pt : chunks) {
                    cases.add(Arguments.of(pt[0], pt[1], hk[0], hk[1], d, n++));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "position={0} T={1} H={2} KV={3} D={4}")
    @MethodSource("shapes")
    void matchesTheDoubleReference(int position, int t, int h, int kv, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int cacheRows = position + t + 3, keys = position + t;
        float[] q = uniform(rng, t * h * d, 3), k = uniform(rng, cacheRows * kv * d, 1), v = uniform(rng, cacheRows * kv * d, 1);
        Arrays.fill(k, keys * kv * d, k.length, Float.NaN);
        Arrays.fill(v, keys * kv * d, v.length, Float.NaN);
        float scale = (float) (1 / Math.sqrt(d));
        double[] want = new double[t * h * d];
        int group = h / kv;
        for (int i = 0; i < t; i++) {
            for (int hh = 0; hh < h; hh++) {
                int g = hh / group, last = position + i;
                double[] s = new double[last + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j <= last; j++) {
                    for (int c = 0; c < d; c++) {
                        s[j] += (double) q[(i * h + hh) * d + c] * k[(j * kv + g) * d + c];
                    }
                    s[j] *= scale;
                    max = Math.max(max, s[j]);
                }
                for (int j = 0; j <= last; j++) {
                    sum += Math.exp(s[j] - max);
                }
                for (int j = 0; j <= last; j++) {
                    double p = Math.exp(s[j] - max) / sum;
                    for (int c = 0; c < d; c++) {
                        want[(i * h + hh) * d + c] += p * v[(j * kv + g) * d + c];
                    }
                }
            }
        }
        Tensor out = upload(filled(want.length, Float.NaN), t, h, d);
        be.cachedAttention(out, upload(q, t, h, d), upload(k, cacheRows, kv, d), upload(v, cacheRows, kv, d), position, scale);
        double max = 0;
        for (double w : want) {
            max = Math.max(max, Math.abs(w));
        }
        double[] tol = new double[want.length];
        Arrays.fill(tol, 1e-5 * max + 1e-6);
        Expect.within("out", want, download(out), tol);
    }

    /** At position 0 over a whole sequence it is the causal attention op at B = 1. */
    @Test
    void agreesWithCausalAttentionOverAWholeSequence() {
        SplittableRandom rng = new SplittableRandom(7);
        int t = 19, h = 4, kv = 2, d = 16;
        float scale = 0.25f;
        Tensor q = upload(uniform(rng, t * h * d, 2), t, h, d), k = upload(uniform(rng, t * kv * d, 1), t, kv, d);
        Tensor v = upload(uniform(rng, t * kv * d, 1), t, kv, d);
        Tensor full = zeros(t, h, d), cached = zeros(t, h, d);
        be.attention(full, zeros(1, h, t), q, k, v, 1, t, scale);
        be.cachedAttention(cached, q, k, v, 0, scale);
        Expect.within("cached vs causal", toDouble(download(full)), download(cached), filled1e5(t * h * d));
    }

    private static double[] filled1e5(int n) {
        double[] tol = new double[n];
        Arrays.fill(tol, 1e-5);
        return tol;
    }

    @Test
    void positionsBeyondTheCacheAreRefused() {
        int d = 4;
        Tensor q = zeros(2, 2, d), k = zeros(5, 1, d), v = zeros(5, 1, d);
        assertThrows(IllegalArgumentException.class, () -> be.cachedAttention(zeros(2, 2, d), q, k, v, 4, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> be.cachedAttention(zeros(2, 3, d), zeros(2, 3, d),
                zeros(5, 2, d), zeros(5, 2, d), 0, 0.5f));
    }
}
