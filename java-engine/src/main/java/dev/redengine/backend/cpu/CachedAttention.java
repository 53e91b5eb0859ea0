package dev.redengine.backend.cpu;

import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@link CpuBackend}'s attention of new queries against a KV cache (contract in Backend.cachedAttention). One
 * task per (query, head): a decoding step has T = 1 and a few heads, so the work is O(S D) per task and the
 * simple two-pass softmax (scores, then max-shifted exp and the weighted sum of V) is enough; scores live in a
 * per-thread float[S] that is kept for the next call.
 */
final class CachedAttention {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private CachedAttention() {
    }

    static void forward(Parallel parallel, Tensor out, Tensor q, Tensor kCache, Tensor vCache, int position, float scale) {
        if (q.rank() != 3 || kCache.rank() != 3 || !Arrays.equals(kCache.shape(), vCache.shape())
                || !Arrays.equals(out.shape(), q.shape()) || q.dim(2) != kCache.dim(2)) {
            throw new IllegalArgumentException("cachedAttention shapes: out " + out + ", q " + q + ", k " + kCache + ", v " + vCache
                    + "; expected out, q [T, H, D] and k, v [S, KV, D]");
        }
        int t = q.dim(0), heads = q.dim(1), d = q.dim(2), kv = kCache.dim(1), keys = position + t;
        if (kv == 0 || heads % kv != 0) {
            throw new IllegalArgumentException("cachedAttention: H = " + heads + " query heads do not share KV = " + kv + " heads evenly");
        }
        if (position < 0 || keys > kCache.dim(0)) {
            throw new IllegalArgumentException("cachedAttention: positions " + position + " .. " + (keys - 1)
                    + " do not fit a cache of " + kCache.dim(0) + " positions");
        }
        int group = heads / kv;
        MemorySegment os = CpuBackend.memory(out), qs = CpuBackend.memory(q), ks = CpuBackend.memory(kCache),
                vs = CpuBackend.memory(vCache);
        parallel.forRange(t * heads, 1, (from, to) -> {
            float[] s = SCORES.get();
            if (s.length < keys) {
                s = new float[keys];
                SCORES.set(s);
            }
            for (int task = from; task < to; task++) {
                int i = task / heads, h = task % heads, g = h / group, last = position + i;
                long qo = ((long) i * heads + h) * d;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j <= last; j++) {
                    s[j] = scale * Simd.dot(qs, qo, ks, ((long) j * kv + g) * d, d);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= last; j++) {
                    s[j] = (float) Math.exp(s[j] - max);
                    sum += s[j];
                }
                float inv = (float) (1 / sum);
                for (int c = 0; c < d; c++) {
                    float acc = 0;
                    for (int j = 0; j <= last; j++) {
                        acc += s[j] * vs.getAtIndex(F, ((long) j * kv + g) * d + c);
                    }
                    os.setAtIndex(F, qo + c, acc * inv);
                }
            }
        });
    }
}
