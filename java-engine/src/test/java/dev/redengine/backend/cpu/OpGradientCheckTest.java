package dev.redengine.backend.cpu;

import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import dev.redengine.testutil.HostTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of every backward op against its forward: with L = sum(out * R) for a fixed
 * random R, the op's backward given dout = R must equal (L(x + e) - L(x - e)) / 2e for sampled entries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpGradientCheckTest {
    private final CpuBackend be = new CpuBackend(2);   // per instance (one instance per class: PER_CLASS)
    private final SplittableRandom rng = new SplittableRandom(42);

    @AfterAll
    void close() {
        be.close();
    }

    private float get(Tensor t, long i) {
        return HostTensors.get(be, t, i);
    }

    private void set(Tensor t, long i, float v) {
        HostTensors.set(be, t, i, v);
    }

    private Tensor random(float scale, int... shape) {
        Tensor t = be.allocate(shape);
        for (long i = 0; i < t.numel(); i++) {
            set(t, i, (float) ((rng.nextDouble() * 2 - 1) * scale));
        }
        return t;
    }

    private double dot(Tensor a, Tensor b) {
        double s = 0;
        for (long i = 0; i < a.numel(); i++) {
            s += (double) get(a, i) * get(b, i);
        }
        return s;
    }

    /** Compares grad against central differences of loss() w.r.t. 12 sampled entries of x. */
    private void check(String what, Tensor x, Tensor grad, Supplier<Double> loss) {
        List<String> bad = new ArrayList<>();
        FiniteDifference.check(what, be, x, grad, loss::get, 12, 1e-2f, 1e-3, 1e-2, rng, bad);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void rmsnorm() {
        int rows = 6, c = 20;
        Tensor x = random(1, rows, c), w = random(1, c), r = random(1, rows, c);
        Tensor out = be.allocate(rows, c), rstd = be.allocate(rows);
        Supplier<Double> loss = () -> {
            be.rmsnorm(out, rstd, x, w, 1e-5f);
            return dot(out, r);
        };
        loss.get();
        Tensor dx = be.allocate(rows, c), dw = be.allocate(c);
        be.rmsnormBackward(dx, dw, r, x, w, rstd);
        check("dx", x, dx, loss);
        check("dweight", w, dw, loss);
        loss.get(); // the checks leave out computed at a perturbed input
        // forward against the definition
        for (int row = 0; row < rows; row++) {
            double ss = 0;
            for (int j = 0; j < c; j++) {
                ss += Math.pow(get(x, (long) row * c + j), 2);
            }
            double inv = 1 / Math.sqrt(ss / c + 1e-5);
            for (int j = 0; j < c; j++) {
                assertEquals(get(x, (long) row * c + j) * inv * get(w, j), get(out, (long) row * c + j), 1e-5);
            }
        }
    }

    @Test
    void rmsnormBackwardAccumulates() {
        int rows = 3, c = 8;
        Tensor x = random(1, rows, c), w = random(1, c), r = random(1, rows, c);
        Tensor out = be.allocate(rows, c), rstd = be.allocate(rows);
        be.rmsnorm(out, rstd, x, w, 1e-5f);
        Tensor dx1 = be.allocate(rows, c), dw1 = be.allocate(c);
        be.rmsnormBackward(dx1, dw1, r, x, w, rstd);
        Tensor dx2 = be.allocate(rows, c), dw2 = be.allocate(c);
        be.rmsnormBackward(dx2, dw2, r, x, w, rstd);
        be.rmsnormBackward(dx2, dw2, r, x, w, rstd);
        for (long i = 0; i < dx1.numel(); i++) {
            assertEquals(2 * get(dx1, i), get(dx2, i), 1e-5);
        }
        for (long i = 0; i < dw1.numel(); i++) {
            assertEquals(2 * get(dw1, i), get(dw2, i), 1e-5);
        }
    }

    @Test
    void rope() {
        int b = 2, t = 5, h = 3, d = 8;
        Tensor x = random(1, b * t, h, d), r = random(1, b * t, h, d);
        Tensor cos = be.allocate(t, d / 2), sin = be.allocate(t, d / 2);
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < d / 2; i++) {
                double angle = p * Math.pow(100, -2.0 * i / d);
                set(cos, (long) p * d / 2 + i, (float) Math.cos(angle));
                set(sin, (long) p * d / 2 + i, (float) Math.sin(angle));
            }
        }
        Tensor y = be.allocate(b * t, h, d);
        Supplier<Double> loss = () -> {
            be.copy(y, x);
            be.rope(y, cos, sin, t);
            return dot(y, r);
        };
        loss.get();
        Tensor dx = be.allocate(b * t, h, d);
        be.copy(dx, r);
        be.ropeBackward(dx, cos, sin, t);
        check("dx", x, dx, loss);
        loss.get();
        // position 0 is the identity
        for (int i = 0; i < h * d; i++) {
            assertEquals(get(x, i), get(y, i), 0f);
        }
    }

    /**
     * Causal GQA attention at edge shapes: T = 1; T past one key tile and past one backward block (64) and not a
     * multiple of either; GQA ratios 1, 2, 3 and 4; D below, between and at vector widths. The backward
     * recomputes the probabilities from the saved lse; out and lse are also checked against a direct softmax.
     */
    @ParameterizedTest(name = "B={0} T={1} H={2} KV={3} D={4}")
    @CsvSource({"1, 1, 2, 1, 3", "2, 6, 4, 2, 5", "1, 37, 3, 1, 7", "1, 70, 4, 1, 9", "2, 11, 2, 2, 16"})
    void attentionWithGroupedHeads(int b, int t, int h, int kv, int d) {
        float scale = (float) (1 / Math.sqrt(d));
        Tensor q = random(1, b * t, h, d), k = random(1, b * t, kv, d), v = random(1, b * t, kv, d);
        Tensor r = random(1, b * t, h, d), out = be.allocate(b * t, h, d), lse = be.allocate(b, h, t);
        Supplier<Double> loss = () -> {
            be.attention(out, lse, q, k, v, b, t, scale);
            return dot(out, r);
        };
        loss.get();
        Tensor dq = be.allocate(b * t, h, d), dk = be.allocate(b * t, kv, d), dv = be.allocate(b * t, kv, d);
        be.attentionBackward(dq, dk, dv, r, q, k, v, out, lse, b, t, scale);
        check("dq", q, dq, loss);
        check("dk", k, dk, loss);
        check("dv", v, dv, loss);
        loss.get();
        // forward against a direct softmax for the last position of the last (batch, head) and for position 0
        for (int tt : new int[] {t - 1, 0}) {
            int bb = b - 1, hh = h - 1, g = hh / (h / kv);
            double[] s = new double[tt + 1];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j <= tt; j++) {
                for (int i = 0; i < d; i++) {
                    s[j] += get(q, (((long) bb * t + tt) * h + hh) * d + i) * get(k, (((long) bb * t + j) * kv + g) * d + i);
                }
                s[j] *= scale;
                max = Math.max(max, s[j]);
            }
            for (int j = 0; j <= tt; j++) {
                s[j] = Math.exp(s[j] - max);
                sum += s[j];
            }
            assertEquals(max + Math.log(sum), get(lse, ((long) bb * h + hh) * t + tt), 1e-5, "lse");
            for (int i = 0; i < d; i++) {
                double o = 0;
                for (int j = 0; j <= tt; j++) {
                    o += s[j] / sum * get(v, (((long) bb * t + j) * kv + g) * d + i);
                }
                assertEquals(o, get(out, (((long) bb * t + tt) * h + hh) * d + i), 1e-5, "out");
            }
        }
    }

    @Test
    void swiglu() {
        int n = 7, f = 19;
        Tensor gate = random(4, n, f), up = random(2, n, f), r = random(1, n, f), out = be.allocate(n, f);
        Supplier<Double> loss = () -> {
            be.swiglu(out, gate, up);
            return dot(out, r);
        };
        loss.get();
        Tensor dg = be.allocate(n, f), du = be.allocate(n, f);
        be.swigluBackward(dg, du, r, gate, up);
        check("dgate", gate, dg, loss);
        check("dup", up, du, loss);
        loss.get();
        for (long i = 0; i < out.numel(); i++) {
            double g = get(gate, i);
            assertEquals(g / (1 + Math.exp(-g)) * get(up, i), get(out, i), 1e-5);
        }
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        int n = 5, vocab = 37;
        Tensor logits = random(3, n, vocab), losses = be.allocate(n);
        Tensor targets = be.allocate(DType.I32, n), lossSum = be.allocate(1);
        be.upload(targets, new int[]{3, -100, 0, 36, 17});
        Supplier<Double> loss = () -> {
            be.zero(lossSum);
            be.crossEntropy(losses, lossSum, null, logits, targets, 1f);
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += get(losses, i);
            }
            return s;
        };
        double total = loss.get();
        assertEquals(0f, get(losses, 1));
        assertEquals(total, get(lossSum, 0), 1e-5 * Math.abs(total), "lossSum holds the sum of the row losses");
        be.crossEntropy(losses, lossSum, null, logits, targets, 1f);
        assertEquals(2 * total, get(lossSum, 0), 2e-5 * Math.abs(total), "lossSum accumulates (+=)");
        Tensor dl = be.allocate(n, vocab);
        be.crossEntropy(losses, lossSum, dl, logits, targets, 1f);
        check("dlogits", logits, dl, loss);
        loss.get();
        for (int j = 0; j < vocab; j++) {
            assertEquals(0f, get(dl, vocab + j));
        }
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < vocab; j++) {
            max = Math.max(max, get(logits, j));
        }
        for (int j = 0; j < vocab; j++) {
            sum += Math.exp(get(logits, j) - max);
        }
        assertEquals(Math.log(sum) + max - get(logits, 3), get(losses, 0), 1e-5);
    }

    @Test
    void embeddingAndBias() {
        int vocab = 9, c = 6, n = 7;
        Tensor table = random(1, vocab, c), ids = be.allocate(DType.I32, n), r = random(1, n, c), out = be.allocate(n, c);
        be.upload(ids, new int[]{1, 4, 4, 0, 8, 1, 4});
        Supplier<Double> loss = () -> {
            be.embedding(out, ids, table);
            return dot(out, r);
        };
        loss.get();
        Tensor dt = be.allocate(vocab, c);
        be.embeddingBackward(dt, ids, r);
        check("dtable", table, dt, loss);

        Tensor bias = random(1, c), y = random(1, n, c), y0 = be.allocate(n, c);
        be.copy(y0, y);
        Supplier<Double> biasLoss = () -> {
            be.copy(y, y0);
            be.addBias(y, bias);
            return dot(y, r);
        };
        biasLoss.get();
        Tensor db = be.allocate(c);
        be.biasBackward(db, r);
        check("dbias", bias, db, biasLoss);
    }

    @Test
    void outOfRangeTokenIdIsAClearError() {
        Tensor table = random(1, 4, 3), ids = be.allocate(DType.I32, 2), out = be.allocate(2, 3);
        be.upload(ids, new int[]{1, 4});
        var e = org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> be.embedding(out, ids, table));
        assertTrue(e.getMessage().contains("token id 4"), e.getMessage());
    }
}
