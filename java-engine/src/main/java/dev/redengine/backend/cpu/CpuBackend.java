package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The reference backend: pure Java, Vector API in {@link Simd} and {@link Sgemm}, all cores through
 * {@link Parallel}. Tensors are native segments from an automatic arena (freed when unreachable).
 */
public final class CpuBackend implements Backend {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final Parallel parallel;
    private final Sgemm sgemm;

    public CpuBackend(int threads) {
        this.parallel = new Parallel(threads);
        this.sgemm = new Sgemm(threads);
    }

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return parallel.threads();
    }

    @Override
    public String name() {
        return "cpu (Vector API " + Simd.lanes() * 32 + "-bit, " + parallel.threads() + " threads)";
    }

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        long bytes = Tensor.count(shape) * dtype.byteSize();
        return new Tensor(Arena.ofAuto().allocate(Math.max(bytes, 1), 64).asSlice(0, bytes), dtype, shape);
    }

    @Override
    public void copyFromHost(Tensor dst, MemorySegment src) {
        requireBytes(dst, src.byteSize());
        dst.data().copyFrom(src);
    }

    @Override
    public void copyToHost(MemorySegment dst, Tensor src) {
        requireBytes(src, dst.byteSize());
        dst.copyFrom(src.data());
    }

    private static void requireBytes(Tensor t, long bytes) {
        if (t.data().byteSize() != bytes) {
            throw new IllegalArgumentException(t + " holds " + t.data().byteSize() + " bytes, host buffer " + bytes);
        }
    }

    @Override
    public void zero(Tensor t) {
        t.data().fill((byte) 0);
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        sameCount(dst, src);
        dst.data().copyFrom(src.data());
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        sameCount(out, a);
        sameCount(out, b);
        int n = Math.toIntExact(out.numel());
        parallel.forRange(n, 1 << 14, (from, to) ->
                Simd.add(out.data(), from, a.data(), from, b.data(), from, to - from));
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        add(dst, dst, src);
    }

    @Override
    public void scale(Tensor x, float s) {
        int n = Math.toIntExact(x.numel());
        parallel.forRange(n, 1 << 14, (from, to) -> Simd.scale(x.data(), from, x.data(), from, s, to - from));
    }

    @Override
    public void matmul(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int ar = a.rows(), ac = a.dim(-1), br = b.rows(), bc = b.dim(-1);
        int m = transA ? ac : ar, k = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (k != kb || c.rows() != m || c.dim(-1) != n) {
            throw new IllegalArgumentException("matmul shapes: op(A) [" + m + ", " + k + "] x op(B) [" + kb + ", " + n
                    + "] -> C " + Arrays.toString(c.shape()) + " (A " + a + (transA ? "^T" : "") + ", B " + b + (transB ? "^T" : "") + ")");
        }
        sgemm.sgemm(transA, transB, m, n, k, alpha, a.data(), 0, ac, b.data(), 0, bc, beta, c.data(), 0, n);
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        int rows = y.rows(), cols = y.dim(-1);
        requireCount(bias, cols, "bias");
        parallel.forRange(rows, 64, (from, to) -> {
            for (int r = from; r < to; r++) {
                Simd.add(y.data(), (long) r * cols, y.data(), (long) r * cols, bias.data(), 0, cols);
            }
        });
    }

    @Override
    public void biasBackward(Tensor dbias, Tensor dy) {
        int rows = dy.rows(), cols = dy.dim(-1);
        requireCount(dbias, cols, "dbias");
        float[] acc = new float[cols];
        for (int r = 0; r < rows; r++) {
            Simd.accumulate(acc, 0, dy.data(), (long) r * cols, cols);
        }
        Simd.accumulate(dbias.data(), 0, acc, 0, cols);
    }

    @Override
    public void embedding(Tensor out, Tensor ids, Tensor table) {
        ids.requireDtype(DType.I32);
        int n = Math.toIntExact(ids.numel()), vocab = table.rows(), c = table.dim(-1);
        requireCount(out, (long) n * c, "embedding output");
        long rowBytes = (long) c * 4;
        for (int i = 0; i < n; i++) {
            int id = ids.getInt(i);
            if (id < 0 || id >= vocab) {
                throw new IndexOutOfBoundsException("token id " + id + " at position " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
            MemorySegment.copy(table.data(), id * rowBytes, out.data(), i * rowBytes, rowBytes);
        }
    }

    @Override
    public void embeddingBackward(Tensor dtable, Tensor ids, Tensor dout) {
        int n = Math.toIntExact(ids.numel()), c = dtable.dim(-1);
        // Parallel over column blocks: rows of dtable repeat when ids repeat, columns never collide.
        parallel.forRange(c, 64, (from, to) -> {
            for (int i = 0; i < n; i++) {
                long id = ids.getInt(i);
                Simd.add(dtable.data(), id * c + from, dtable.data(), id * c + from, dout.data(), (long) i * c + from, to - from);
            }
        });
    }

    @Override
    public void rmsnorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, float eps) {
        int rows = x.rows(), c = x.dim(-1);
        requireCount(weight, c, "rmsnorm weight");
        requireCount(rstd, rows, "rstd");
        sameCount(out, x);
        parallel.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * c;
                float s = (float) (1.0 / Math.sqrt(Simd.sumSquares(x.data(), o, c) / c + eps));
                rstd.setFloat(r, s);
                Simd.scaleMul(out.data(), o, x.data(), o, s, weight.data(), c);
            }
        });
    }

    @Override
    public void rmsnormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor weight, Tensor rstd) {
        int rows = x.rows(), c = x.dim(-1);
        sameCount(dx, x);
        sameCount(dout, x);
        Object lock = new Object();
        parallel.forRange(rows, 16, (from, to) -> {
            float[] dw = new float[c]; // this chunk's share of dweight, added once under the lock
            for (int r = from; r < to; r++) {
                long o = (long) r * c;
                float s = rstd.getFloat(r);
                Simd.rmsnormBackwardRow(dx.data(), dout.data(), x.data(), o, weight.data(), s, c);
                Simd.accumulateProduct(dw, dout.data(), o, x.data(), o, s, c);
            }
            synchronized (lock) {
                Simd.accumulate(dweight.data(), 0, dw, 0, c);
            }
        });
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, int seqLen) {
        rotate(x, cos, sin, seqLen, 1f);
    }

    @Override
    public void ropeBackward(Tensor dx, Tensor cos, Tensor sin, int seqLen) {
        rotate(dx, cos, sin, seqLen, -1f);
    }

    /** Rotates each (x1, x2) pair by +angle (sign 1, forward) or -angle (sign -1, the transpose). */
    private void rotate(Tensor x, Tensor cos, Tensor sin, int seqLen, float sign) {
        int rows = x.dim(0), heads = x.dim(1), d = x.dim(2), half = d / 2;
        if (cos.dim(-1) != half || cos.rows() < seqLen) {
            throw new IllegalArgumentException("rope table " + cos + " does not cover T=" + seqLen + ", D=" + d);
        }
        MemorySegment xs = x.data(), cs = cos.data(), ss = sin.data();
        parallel.forRange(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                long t = r % seqLen;
                for (int h = 0; h < heads; h++) {
                    Simd.rotatePairs(xs, ((long) r * heads + h) * d, cs, ss, t * half, sign, half);
                }
            }
        });
    }

    @Override
    public void attention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, int batch, int seqLen, float scale) {
        CausalAttention.forward(parallel, out, lse, q, k, v, batch, seqLen, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                  Tensor lse, int batch, int seqLen, float scale) {
        CausalAttention.backward(parallel, dq, dk, dv, dout, q, k, v, out, lse, batch, seqLen, scale);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        sameCount(out, gate);
        sameCount(out, up);
        int n = Math.toIntExact(out.numel());
        parallel.forRange(n, 1 << 13, (from, to) -> Simd.swiglu(out.data(), gate.data(), up.data(), from, to - from));
    }

    @Override
    public void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
        sameCount(dout, gate);
        sameCount(dgate, gate);
        sameCount(dup, up);
        int n = Math.toIntExact(dout.numel());
        parallel.forRange(n, 1 << 13, (from, to) ->
                Simd.swigluBackward(dgate.data(), dup.data(), dout.data(), gate.data(), up.data(), from, to - from));
    }

    @Override
    public void crossEntropy(Tensor losses, Tensor dlogits, Tensor logits, Tensor targets, float gradScale) {
        targets.requireDtype(DType.I32);
        int rows = logits.rows(), vocab = logits.dim(-1);
        requireCount(targets, rows, "targets");
        requireCount(losses, rows, "losses");
        if (dlogits != null) {
            sameCount(dlogits, logits);
        }
        parallel.forRange(rows, 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * vocab;
                int target = targets.getInt(r);
                if (target >= vocab) {
                    throw new IndexOutOfBoundsException("target " + target + " at row " + r + " is outside the vocabulary [0, " + vocab + ")");
                }
                if (target < 0) {
                    losses.setFloat(r, 0f);
                    if (dlogits != null) {
                        dlogits.data().asSlice(o * 4, (long) vocab * 4).fill((byte) 0);
                    }
                    continue;
                }
                float max = Simd.max(logits.data(), o, vocab);
                double sum = Simd.sumExp(logits.data(), o, max, vocab);
                float targetLogit = logits.getFloat(o + target);
                losses.setFloat(r, (float) (Math.log(sum) + max - targetLogit));
                if (dlogits != null) {
                    Simd.expScaled(dlogits.data(), o, logits.data(), o, max, (float) (gradScale / sum), vocab);
                    dlogits.setFloat(o + target, dlogits.getFloat(o + target) - gradScale);
                }
            }
        });
    }

    @Override
    public double sumSquares(Tensor x) {
        int n = Math.toIntExact(x.numel());
        double[] total = {0};
        Object lock = new Object();
        parallel.forRange(n, 1 << 14, (from, to) -> {
            double s = 0;
            for (int i = from; i < to; i += 4096) {
                s += Simd.sumSquares(x.data(), i, Math.min(4096, to - i));
            }
            synchronized (lock) {
                total[0] += s;
            }
        });
        return total[0];
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float gradScale, float lr, float beta1, float beta2,
                      float eps, float weightDecay, int step) {
        sameCount(param, grad);
        sameCount(param, m);
        sameCount(param, v);
        float c1 = (float) (1 / (1 - Math.pow(beta1, step))), c2 = (float) (1 / (1 - Math.pow(beta2, step)));
        int n = Math.toIntExact(param.numel());
        parallel.forRange(n, 1 << 14, (from, to) ->
                Simd.adamw(param.data(), grad.data(), m.data(), v.data(), from, to - from, gradScale, lr, beta1, beta2, eps,
                        weightDecay, c1, c2));
    }

    @Override
    public void absMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        int c = x.dim(-1), batch = x.rows() / seqLen;
        requireCount(out, (long) batch * c, "absMeanOverTokens output");
        parallel.forRange(batch, 1, (from, to) -> {
            float[] acc = new float[c];
            for (int b = from; b < to; b++) {
                java.util.Arrays.fill(acc, 0f);
                for (int t = 0; t < seqLen; t++) {
                    Simd.accumulateAbs(acc, x.data(), ((long) b * seqLen + t) * c, c);
                }
                for (int j = 0; j < c; j++) {
                    out.setFloat((long) b * c + j, acc[j] / seqLen);
                }
            }
        });
    }

    @Override
    public void headNormMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        int heads = x.dim(-2), d = x.dim(-1), batch = x.rows() / heads / seqLen;
        requireCount(out, (long) batch * heads, "headNormMeanOverTokens output");
        parallel.forRange(batch, 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                for (int h = 0; h < heads; h++) {
                    double sum = 0;
                    for (int t = 0; t < seqLen; t++) {
                        long o = (((long) b * seqLen + t) * heads + h) * d;
                        sum += Math.sqrt(Simd.sumSquares(x.data(), o, d));
                    }
                    out.setFloat((long) b * heads + h, (float) (sum / seqLen));
                }
            }
        });
    }

    private static void sameCount(Tensor a, Tensor b) {
        if (a.numel() != b.numel()) {
            throw new IllegalArgumentException("element counts differ: " + a + " vs " + b);
        }
    }

    private static void requireCount(Tensor t, long n, String what) {
        if (t.numel() != n) {
            throw new IllegalArgumentException(what + " " + t + " should hold " + n + " elements");
        }
    }

    @Override
    public void close() {
        parallel.close();
    }
}
