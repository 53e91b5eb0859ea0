package dev.redengine.bench;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The non-matmul CPU hot paths at transformer sizes, each as a runnable case that knows the bytes it moves and
 * the flops it does, shared by {@link OpsBenchmark} (JMH) and {@link Roofline} (table printer).
 *
 * <p>A case is named {@code op:dims}, e.g. {@code rmsnorm:2048x768} (N tokens x d). Bytes count each
 * tensor the op reads once and each it writes once (STREAM convention: no write-allocate traffic), so that
 * GB/s compares directly with a STREAM copy. Flops are only given where the op is not memory-bound
 * (attention: 4*B*H*T*T*D/2 forward, twice that backward, the useful work whether or not the backward recomputes
 * the probabilities).
 */
public final class OpCases {
    private OpCases() {
    }

    /** One op invocation: {@code run} does the work; bytes and flops are per invocation. */
    public record OpCase(String name, String dims, long bytes, double flops, Runnable run) {
    }

    /** The default cases: realistic sizes for a 125M-1B Llama (d 768/2048, F 2048/5632, N 2048 tokens). */
    public static final List<String> DEFAULT = List.of(
            "add:2048x768",
            "rmsnorm:2048x768", "rmsnorm:2048x2048",
            "rmsnormBackward:2048x768", "rmsnormBackward:2048x2048",
            "rope:2048x12x64", "rope:2048x32x64", "rope:2048x4x32", "rope:16384x12x64",
            "attention:1x256x12x4x64", "attention:1x1024x12x4x64",
            "attentionBackward:1x256x12x4x64", "attentionBackward:1x1024x12x4x64",
            "swiglu:2048x2048", "swiglu:2048x5632",
            "swigluBackward:2048x2048", "swigluBackward:2048x5632",
            "crossEntropy:512x32000", "kl:512x32000", "klReverse:512x32000");

    public static OpCase of(Backend be, String spec) {
        String[] parts = spec.split(":");
        String[] ds = parts[1].split("x");
        int[] d = new int[ds.length];
        for (int i = 0; i < ds.length; i++) {
            d[i] = Integer.parseInt(ds[i]);
        }
        SplittableRandom rng = new SplittableRandom(42);
        return switch (parts[0]) {
            case "add" -> add(be, rng, d[0], d[1]);
            case "rmsnorm" -> rmsnorm(be, rng, d[0], d[1]);
            case "rmsnormBackward" -> rmsnormBackward(be, rng, d[0], d[1]);
            case "rope" -> rope(be, rng, d[0], d[1], d[2]);
            case "attention" -> attention(be, rng, d[0], d[1], d[2], d[3], d[4], false);
            case "attentionBackward" -> attention(be, rng, d[0], d[1], d[2], d[3], d[4], true);
            case "swiglu" -> swiglu(be, rng, d[0], d[1], false);
            case "swigluBackward" -> swiglu(be, rng, d[0], d[1], true);
            case "crossEntropy" -> crossEntropy(be, rng, d[0], d[1]);
            case "kl" -> kl(be, rng, d[0], d[1], false);
            case "klReverse" -> kl(be, rng, d[0], d[1], true);
            default -> throw new IllegalArgumentException("unknown op case " + spec);
        };
    }

    static Tensor random(Backend be, SplittableRandom rng, double std, int... shape) {
        Tensor t = be.allocate(shape);
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * (2 * rng.nextDouble() - 1) * Math.sqrt(3));
        }
        be.upload(t, v);
        return t;
    }

    private static final int F = 4;

    static OpCase add(Backend be, SplittableRandom rng, int n, int d) {
        Tensor out = be.allocate(n, d), a = random(be, rng, 1, n, d), b = random(be, rng, 1, n, d);
        return new OpCase("add", "N=" + n + " d=" + d, 3L * n * d * F, 0, () -> be.add(out, a, b));
    }

    static OpCase rmsnorm(Backend be, SplittableRandom rng, int n, int d) {
        Tensor x = random(be, rng, 1, n, d), w = random(be, rng, 1, d), out = be.allocate(n, d), rstd = be.allocate(n);
        return new OpCase("rmsnorm", "N=" + n + " d=" + d, (2L * n * d + d + n) * F, 0,
                () -> be.rmsnorm(out, rstd, x, w, 1e-5f));
    }

    /** Reads dout, x, dx (+=) and writes dx; dweight [d] and rstd [N] are small. */
    static OpCase rmsnormBackward(Backend be, SplittableRandom rng, int n, int d) {
        Tensor x = random(be, rng, 1, n, d), w = random(be, rng, 1, d), out = be.allocate(n, d), rstd = be.allocate(n);
        be.rmsnorm(out, rstd, x, w, 1e-5f);
        Tensor dout = random(be, rng, 1, n, d), dx = be.allocate(n, d), dw = be.allocate(d);
        return new OpCase("rmsnormBackward", "N=" + n + " d=" + d, (4L * n * d + 3L * d + n) * F, 0, () -> {
            be.rmsnormBackward(dx, dw, dout, x, w, rstd);
        });
    }

    /**
     * In place on x [N, H, D] (one sequence of T = N tokens); reads the cos/sin tables [T, D/2] too. The tables
     * are real RoPE angles (theta 10000): forward and backward alternate, and only with c^2 + s^2 = 1 do they
     * undo each other. (Random tables made x overflow to infinity or decay into subnormals within a few hundred
     * calls, and subnormal arithmetic is slow: that measured the denormal penalty, not RoPE.)
     */
    static OpCase rope(Backend be, SplittableRandom rng, int n, int h, int d) {
        Tensor x = random(be, rng, 1, n, h, d);
        int half = d / 2;
        float[] c = new float[n * half], sn = new float[n * half];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < half; i++) {
                double angle = t * Math.pow(10000, -2.0 * i / d);
                c[t * half + i] = (float) Math.cos(angle);
                sn[t * half + i] = (float) Math.sin(angle);
            }
        }
        Tensor cos = be.allocate(n, half), sin = be.allocate(n, half);
        be.upload(cos, c);
        be.upload(sin, sn);
        boolean[] back = {false};
        return new OpCase("rope", "N=" + n + " H=" + h + " D=" + d, (2L * n * h * d + (long) n * d) * F, 0, () -> {
            if (back[0]) {
                be.ropeBackward(x, cos, sin, n);
            } else {
                be.rope(x, cos, sin, n);
            }
            back[0] = !back[0];
        });
    }

    /**
     * Causal GQA attention. Forward reads q, k, v, writes out and lse [B, H, T]; backward reads q, k, v, out,
     * dout, lse and writes dq, dk, dv. Flops: the useful work, 4*B*H*T*T*D/2 forward (QK^T and PV, causal
     * half) and twice that backward (dP, dQ, dK, dV); the backward also recomputes QK^T from lse (a third more
     * multiply-adds), which is not counted, so that GFLOP/s stays comparable with a backward that stored P.
     */
    static OpCase attention(Backend be, SplittableRandom rng, int b, int t, int h, int kv, int d, boolean backward) {
        int n = b * t;
        Tensor q = random(be, rng, 1, n, h, d), k = random(be, rng, 1, n, kv, d), v = random(be, rng, 1, n, kv, d);
        Tensor out = be.allocate(n, h, d), lse = be.allocate(b, h, t);
        float scale = (float) (1 / Math.sqrt(d));
        long qBytes = (long) n * h * d * F, kvBytes = (long) n * kv * d * F, lseBytes = (long) b * h * t * F;
        double fwdFlops = 4.0 * b * h * t * t * d / 2;
        String dims = "B=" + b + " T=" + t + " H=" + h + " KV=" + kv + " D=" + d;
        if (!backward) {
            return new OpCase("attention", dims, 2 * qBytes + 2 * kvBytes + lseBytes, fwdFlops,
                    () -> be.attention(out, lse, q, k, v, b, t, scale));
        }
        be.attention(out, lse, q, k, v, b, t, scale);
        Tensor dout = random(be, rng, 1, n, h, d), dq = be.allocate(n, h, d), dk = be.allocate(n, kv, d), dv = be.allocate(n, kv, d);
        return new OpCase("attentionBackward", dims, 4 * qBytes + 4 * kvBytes + lseBytes, 2 * fwdFlops,
                () -> be.attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, b, t, scale));
    }

    /** Forward reads gate, up and writes out; backward reads dout, gate, up and writes dgate, dup. */
    static OpCase swiglu(Backend be, SplittableRandom rng, int n, int f, boolean backward) {
        Tensor gate = random(be, rng, 2, n, f), up = random(be, rng, 1, n, f), out = be.allocate(n, f);
        String dims = "N=" + n + " F=" + f;
        if (!backward) {
            return new OpCase("swiglu", dims, 3L * n * f * F, 0, () -> be.swiglu(out, gate, up));
        }
        Tensor dout = random(be, rng, 1, n, f), dup = be.allocate(n, f);
        return new OpCase("swigluBackward", dims, 5L * n * f * F, 0, () -> be.swigluBackward(out, dup, dout, gate, up));
    }

    /** Reads logits [N, V] and writes dlogits [N, V] (not aliased), targets and losses are small. */
    static OpCase crossEntropy(Backend be, SplittableRandom rng, int n, int v) {
        Tensor logits = random(be, rng, 3, n, v), dlogits = be.allocate(n, v), losses = be.allocate(n), sum = be.allocate(1);
        Tensor targets = be.allocate(DType.I32, n);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(v);
        }
        be.upload(targets, ids);
        return new OpCase("crossEntropy", "N=" + n + " V=" + v, (2L * n * v + 3L * n) * F, 0,
                () -> be.crossEntropy(losses, sum, dlogits, logits, targets, 1f / n));
    }

    /**
     * Knowledge distillation at T = 2: reads student and teacher logits [N, V], writes dstudent [N, V] (not
     * aliased); losses [N] and the mask are small. The op reads each row four times, but a row (128 KB at
     * V = 32000) stays in cache after the first, so the bytes counted are those of one pass.
     */
    static OpCase kl(Backend be, SplittableRandom rng, int n, int v, boolean reverse) {
        Tensor student = random(be, rng, 3, n, v), teacher = random(be, rng, 3, n, v), dstudent = be.allocate(n, v);
        Tensor losses = be.allocate(n), sum = be.allocate(1);
        return new OpCase(reverse ? "klReverse" : "kl", "N=" + n + " V=" + v, (3L * n * v + n) * F, 0,
                () -> be.klDivergence(losses, sum, dstudent, student, teacher, null, 2f, reverse, 1f / n));
    }
}
