package dev.redengine.backend.cpu;

import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The reference backend: pure Java, Vector API in {@link Simd} and {@link Sgemm}, all cores through
 * {@link Parallel}. Tensors live in {@link HostStorage}: native memory from this backend's arenas, freed when
 * the arena (for {@link #allocate}: the backend) is closed. Only this package reads that memory; every op
 * first checks that its tensors belong to this backend ({@link #seg}).
 */
public final class CpuBackend implements Backend {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final Parallel parallel;
    private final Sgemm sgemm;
    private final HostArena arena = new HostArena(this);

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
    public TensorArena arena() {
        return arena;
    }

    @Override
    public TensorArena openArena() {
        return new HostArena(this);
    }

    /** The tensor's memory, after checking that it is this backend's (any dtype). */
    MemorySegment seg(Tensor t) {
        if (!(t.storage() instanceof HostStorage h) || !h.ownedBy(this)) {
            throw new IllegalArgumentException(t + " is not in this CPU backend's memory (it lives on "
                    + t.storage().location() + (t.storage() instanceof HostStorage ? ", another backend" : "") + ")");
        }
        return h.segment.asSlice(t.byteOffset(), t.byteSize());
    }

    /** The memory of a float32 tensor of this backend: what almost every op computes on. */
    MemorySegment f32(Tensor t) {
        t.requireDtype(DType.F32);
        return seg(t);
    }

    /** Checks that every tensor is a float32 tensor of this backend, for ops that read memory through {@link #memory}. */
    private void requireF32(Tensor... ts) {
        for (Tensor t : ts) {
            f32(t);
        }
    }

    /** A tensor's memory without the ownership check: for this package's kernels, after {@link #requireF32}. */
    static MemorySegment memory(Tensor t) {
        return ((HostStorage) t.storage()).segment.asSlice(t.byteOffset(), t.byteSize());
    }

    @Override
    public void upload(Tensor dst, MemorySegment src) {
        requireBytes(dst, src.byteSize());
        seg(dst).copyFrom(src);
    }

    @Override
    public void download(Tensor src, MemorySegment dst) {
        requireBytes(src, dst.byteSize());
        dst.copyFrom(seg(src));
    }

    private static void requireBytes(Tensor t, long bytes) {
        if (t.byteSize() != bytes) {
            throw new IllegalArgumentException(t + " holds " + t.byteSize() + " bytes, host buffer " + bytes);
        }
    }

    @Override
    public void cast(Tensor dst, Tensor src) {
        sameCount(dst, src);
        if (!dst.dtype().isFloatingPoint() || !src.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("cast converts between float dtypes only: " + src + " -> " + dst);
        }
        MemorySegment d = seg(dst), s = seg(src);
        if (dst.dtype() == src.dtype()) {
            d.copyFrom(s);
            return;
        }
        int n = Math.toIntExact(dst.numel());
        DType from = src.dtype(), to = dst.dtype();
        parallel.forRange(n, 1 << 14, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                HalfFloats.store(d, to, i, HalfFloats.load(s, from, i));
            }
        });
    }

    @Override
    public void zero(Tensor t) {
        seg(t).fill((byte) 0);
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        sameCount(dst, src);
        if (dst.dtype() != src.dtype()) {
            throw new IllegalArgumentException("copy needs one dtype (use cast): " + src + " -> " + dst);
        }
        seg(dst).copyFrom(seg(src));
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        sameCount(out, a);
        sameCount(out, b);
        MemorySegment o = f32(out), as = f32(a), bs = f32(b);
        int n = Math.toIntExact(out.numel());
        parallel.forRange(n, 1 << 14, (from, to) -> Simd.add(o, from, as, from, bs, from, to - from));
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        add(dst, dst, src);
    }

    @Override
    public void scale(Tensor x, float s) {
        MemorySegment xs = f32(x);
        int n = Math.toIntExact(x.numel());
        parallel.forRange(n, 1 << 14, (from, to) -> Simd.scale(xs, from, xs, from, s, to - from));
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
        sgemm.sgemm(transA, transB, m, n, k, alpha, f32(a), 0, ac, f32(b), 0, bc, beta, f32(c), 0, n);
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        int rows = y.rows(), cols = y.dim(-1);
        requireCount(bias, cols, "bias");
        MemorySegment ys = f32(y), bs = f32(bias);
        parallel.forRange(rows, 64, (from, to) -> {
            for (int r = from; r < to; r++) {
                Simd.add(ys, (long) r * cols, ys, (long) r * cols, bs, 0, cols);
            }
        });
    }

    @Override
    public void biasBackward(Tensor dbias, Tensor dy) {
        int rows = dy.rows(), cols = dy.dim(-1);
        requireCount(dbias, cols, "dbias");
        MemorySegment dys = f32(dy);
        float[] acc = new float[cols];
        for (int r = 0; r < rows; r++) {
            Simd.accumulate(acc, 0, dys, (long) r * cols, cols);
        }
        Simd.accumulate(f32(dbias), 0, acc, 0, cols);
    }

    @Override
    public void embedding(Tensor out, Tensor ids, Tensor table) {
        ids.requireDtype(DType.I32);
        int n = Math.toIntExact(ids.numel()), vocab = table.rows(), c = table.dim(-1);
        requireCount(out, (long) n * c, "embedding output");
        MemorySegment is = seg(ids), ts = f32(table), os = f32(out);
        long rowBytes = (long) c * DType.F32.byteSize();
        for (int i = 0; i < n; i++) {
            int id = is.getAtIndex(I, i);
            if (id < 0 || id >= vocab) {
                throw new IndexOutOfBoundsException("token id " + id + " at position " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
            MemorySegment.copy(ts, id * rowBytes, os, i * rowBytes, rowBytes);
        }
    }

    @Override
    public void embeddingBackward(Tensor dtable, Tensor ids, Tensor dout) {
        ids.requireDtype(DType.I32);
        int n = Math.toIntExact(ids.numel()), vocab = dtable.rows(), c = dtable.dim(-1);
        requireCount(dout, (long) n * c, "embedding gradient");
        MemorySegment is = seg(ids), dts = f32(dtable), dos = f32(dout);
        for (int i = 0; i < n; i++) { // all checked before any row changes
            int id = is.getAtIndex(I, i);
            if (id < 0 || id >= vocab) {
                throw new IndexOutOfBoundsException("token id " + id + " at position " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        // Parallel over column blocks: rows of dtable repeat when ids repeat, columns never collide.
        parallel.forRange(c, 64, (from, to) -> {
            for (int i = 0; i < n; i++) {
                long id = is.getAtIndex(I, i);
                Simd.add(dts, id * c + from, dts, id * c + from, dos, (long) i * c + from, to - from);
            }
        });
    }

    @Override
    public void rmsnorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, float eps) {
        int rows = x.rows(), c = x.dim(-1);
        requireCount(weight, c, "rmsnorm weight");
        requireCount(rstd, rows, "rstd");
        sameCount(out, x);
        MemorySegment os = f32(out), rs = f32(rstd), xs = f32(x), ws = f32(weight);
        parallel.forRange(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * c;
                float s = (float) (1.0 / Math.sqrt(Simd.sumSquares(xs, o, c) / c + eps));
                rs.setAtIndex(F, r, s);
                Simd.scaleMul(os, o, xs, o, s, ws, c);
            }
        });
    }

    @Override
    public void rmsnormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor weight, Tensor rstd) {
        int rows = x.rows(), c = x.dim(-1);
        sameCount(dx, x);
        sameCount(dout, x);
        MemorySegment dxs = f32(dx), dws = f32(dweight), dos = f32(dout), xs = f32(x), ws = f32(weight), rs = f32(rstd);
        // each chunk's share of dweight, added in chunk order so that the sum does not depend on thread timing;
        // allocated by the thread that fills it (one array for all chunks made 2 threads 1.3x slower)
        float[][] dw = new float[parallel.chunks(rows, 16)][];
        parallel.forChunks(rows, 16, (chunk, from, to) -> {
            float[] part = new float[c];
            for (int r = from; r < to; r++) {
                long o = (long) r * c;
                float s = rs.getAtIndex(F, r);
                Simd.rmsnormBackwardRow(dxs, dos, xs, o, ws, s, c);
                Simd.accumulateProduct(part, dos, o, xs, o, s, c);
            }
            dw[chunk] = part;
        });
        for (float[] part : dw) {
            Simd.accumulate(dws, 0, part, 0, c);
        }
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, int seqLen) {
        rotate(x, cos, sin, seqLen, 1f);
    }

    @Override
    public void ropeBackward(Tensor dx, Tensor cos, Tensor sin, int seqLen) {
        rotate(dx, cos, sin, seqLen, -1f);
    }

    /**
     * Rotates each (x1, x2) pair by +angle (sign 1, forward) or -angle (sign -1, the transpose); see
     * {@link Simd#rope}. Chunks of at least 16K floats, so that short calls stay on the calling thread.
     */
    private void rotate(Tensor x, Tensor cos, Tensor sin, int seqLen, float sign) {
        int rows = x.dim(0), heads = x.dim(1), d = x.dim(2), half = d / 2;
        if (cos.dim(-1) != half || cos.rows() < seqLen || !Arrays.equals(sin.shape(), cos.shape())) {
            throw new IllegalArgumentException("rope tables " + cos + ", " + sin + " do not cover T=" + seqLen + ", D=" + d);
        }
        MemorySegment xs = f32(x), cs = f32(cos), ss = f32(sin);
        int minRows = Math.max(1, (1 << 14) / Math.max(1, heads * d));
        parallel.forRange(rows, minRows, (from, to) -> Simd.rope(xs, cs, ss, from, to, heads, d, seqLen, sign));
    }

    @Override
    public void attention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, int batch, int seqLen, float scale) {
        requireF32(out, lse, q, k, v);
        CausalAttention.forward(parallel, out, lse, q, k, v, batch, seqLen, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                  Tensor lse, int batch, int seqLen, float scale) {
        requireF32(dq, dk, dv, dout, q, k, v, out, lse);
        CausalAttention.backward(parallel, dq, dk, dv, dout, q, k, v, out, lse, batch, seqLen, scale);
    }

    @Override
    public void cachedAttention(Tensor out, Tensor q, Tensor kCache, Tensor vCache, int position, float scale) {
        requireF32(out, q, kCache, vCache);
        CachedAttention.forward(parallel, out, q, kCache, vCache, position, scale);
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        sameCount(out, gate);
        sameCount(out, up);
        MemorySegment os = f32(out), gs = f32(gate), us = f32(up);
        int n = Math.toIntExact(out.numel());
        parallel.forRange(n, 1 << 13, (from, to) -> Simd.swiglu(os, gs, us, from, to - from));
    }

    @Override
    public void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
        sameCount(dout, gate);
        sameCount(dgate, gate);
        sameCount(dup, up);
        MemorySegment dgs = f32(dgate), dus = f32(dup), dos = f32(dout), gs = f32(gate), us = f32(up);
        int n = Math.toIntExact(dout.numel());
        parallel.forRange(n, 1 << 13, (from, to) -> Simd.swigluBackward(dgs, dus, dos, gs, us, from, to - from));
    }

    @Override
    public void crossEntropy(Tensor losses, Tensor lossSum, Tensor dlogits, Tensor logits, Tensor targets, float gradScale) {
        targets.requireDtype(DType.I32);
        int rows = logits.rows(), vocab = logits.dim(-1);
        requireCount(targets, rows, "targets");
        requireCount(losses, rows, "losses");
        requireCount(lossSum, 1, "lossSum");
        if (dlogits != null) {
            sameCount(dlogits, logits);
        }
        MemorySegment ls = f32(losses), sum = f32(lossSum), xs = f32(logits), ts = seg(targets);
        MemorySegment ds = dlogits == null ? null : f32(dlogits);
        double[] partial = new double[parallel.chunks(rows, 4)];   // per chunk, added in chunk order
        parallel.forChunks(rows, 4, (c, from, to) -> {
            double chunk = 0;
            for (int r = from; r < to; r++) {
                long o = (long) r * vocab;
                int target = ts.getAtIndex(I, r);
                if (target >= vocab) {
                    throw new IndexOutOfBoundsException("target " + target + " at row " + r + " is outside the vocabulary [0, " + vocab + ")");
                }
                if (target < 0) {
                    ls.setAtIndex(F, r, 0f);
                    if (ds != null) {
                        ds.asSlice(o * 4, (long) vocab * 4).fill((byte) 0);
                    }
                    continue;
                }
                float max = Simd.max(xs, o, vocab);
                double sumExp = Simd.sumExp(xs, o, max, vocab);
                float targetLogit = xs.getAtIndex(F, o + target);
                float loss = (float) (Math.log(sumExp) + max - targetLogit);
                ls.setAtIndex(F, r, loss);
                chunk += loss;
                if (ds != null) {
                    Simd.expScaled(ds, o, xs, o, max, (float) (gradScale / sumExp), vocab);
                    ds.setAtIndex(F, o + target, ds.getAtIndex(F, o + target) - gradScale);
                }
            }
            partial[c] = chunk;
        });
        sum.setAtIndex(F, 0, (float) (sum.getAtIndex(F, 0) + Parallel.sum(partial)));
    }

    /**
     * Per row: the two maxima, the two partition sums Z = sum exp((x - max) / T), the weighted log ratio
     * A = sum exp((w - mw) / T) ((w - mw) - (o - mo)) of the weighting row w (teacher for the forward KL, student
     * for the reverse), so that KL(w || o) = A / (T Zw) + log Zo - log Zw, then the gradient: four reads of each
     * row (a row of 32K logits is 128 KB, still in cache for the later passes) and one write.
     */
    @Override
    public void klDivergence(Tensor losses, Tensor lossSum, Tensor dstudent, Tensor student, Tensor teacher, Tensor mask,
                             float temperature, boolean reverse, float gradScale) {
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        int rows = student.rows(), vocab = student.dim(-1);
        sameCount(teacher, student);
        requireCount(losses, rows, "losses");
        requireCount(lossSum, 1, "lossSum");
        if (dstudent != null) {
            sameCount(dstudent, student);
        }
        MemorySegment ms = null;
        boolean intMask = false;
        if (mask != null) {
            requireCount(mask, rows, "mask");
            if (mask.dtype() != DType.I32 && mask.dtype() != DType.F32) {
                throw new IllegalArgumentException("mask " + mask + " must be int32 or float32");
            }
            intMask = mask.dtype() == DType.I32;
            ms = seg(mask);
        }
        MemorySegment ls = f32(losses), sum = f32(lossSum), ss = f32(student), ts = f32(teacher);
        MemorySegment ds = dstudent == null ? null : f32(dstudent), maskSeg = ms;
        boolean maskInts = intMask;
        float invT = 1f / temperature, t2 = temperature * temperature;
        double[] partial = new double[parallel.chunks(rows, 4)];   // per chunk, added in chunk order (reproducible)
        parallel.forChunks(rows, 4, (c, from, to) -> {
            double chunk = 0;
            for (int r = from; r < to; r++) {
                long o = (long) r * vocab;
                boolean selected = maskSeg == null
                        || (maskInts ? maskSeg.getAtIndex(I, r) != 0 : maskSeg.getAtIndex(F, r) != 0f);
                if (!selected) {
                    ls.setAtIndex(F, r, 0f);
                    if (ds != null) {
                        ds.asSlice(o * 4, (long) vocab * 4).fill((byte) 0);
                    }
                    continue;
                }
                float maxS = Simd.max(ss, o, vocab), maxT = Simd.max(ts, o, vocab);
                double zs = Simd.sumExp(ss, o, maxS, invT, vocab), zt = Simd.sumExp(ts, o, maxT, invT, vocab);
                double logZs = Math.log(zs), logZt = Math.log(zt);
                double kl = reverse
                        ? Simd.expWeightedDifference(ss, o, maxS, ts, o, maxT, invT, vocab) * invT / zs + logZt - logZs
                        : Simd.expWeightedDifference(ts, o, maxT, ss, o, maxS, invT, vocab) * invT / zt + logZs - logZt;
                float loss = (float) (t2 * kl);
                ls.setAtIndex(F, r, loss);
                chunk += loss;
                if (ds != null) {
                    float cs = (float) (temperature * gradScale / zs);
                    if (reverse) { // T q ((log q - log p) - KL), log q - log p = ((s - ms) - (t - mt)) / T + log Zt - log Zs
                        Simd.expTimesDifference(ds, o, ss, o, maxS, ts, o, maxT, invT, cs, (float) (logZt - logZs - kl), vocab);
                    } else {       // T (q - p)
                        Simd.expDifference(ds, o, ss, o, maxS, cs, ts, o, maxT, (float) (temperature * gradScale / zt), invT, vocab);
                    }
                }
            }
            partial[c] = chunk;
        });
        sum.setAtIndex(F, 0, (float) (sum.getAtIndex(F, 0) + Parallel.sum(partial)));
    }

    /** Both activation losses: check shapes, then one pass per row, partial sums per chunk added in chunk order. */
    private void rowLoss(String op, Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target,
                         RowLoss body) {
        int rows = x.rows(), width = x.dim(-1);
        if (target.rows() != rows || target.dim(-1) != width) {
            throw new IllegalArgumentException(op + ": target " + target + " does not match x " + x);
        }
        requireCount(losses, rows, op + " losses");
        requireCount(lossSum, 1, op + " lossSum");
        for (Tensor g : new Tensor[]{dx, dtarget}) {
            if (g != null) {
                sameCount(g, x);
                if (g.storage() == x.storage() || g.storage() == target.storage()) {
                    throw new IllegalArgumentException(op + ": gradient " + g + " may not share storage with x or target");
                }
            }
        }
        MemorySegment ls = f32(losses), sum = f32(lossSum), xs = f32(x), ts = f32(target);
        MemorySegment dxs = dx == null ? null : f32(dx), dts = dtarget == null ? null : f32(dtarget);
        double[] partial = new double[parallel.chunks(rows, 4)];   // per chunk, added in chunk order
        parallel.forChunks(rows, 4, (c, from, to) -> {
            double chunk = 0;
            for (int r = from; r < to; r++) {
                float loss = body.row(xs, ts, dxs, dts, (long) r * width, width);
                ls.setAtIndex(F, r, loss);
                chunk += loss;
            }
            partial[c] = chunk;
        });
        sum.setAtIndex(F, 0, (float) (sum.getAtIndex(F, 0) + Parallel.sum(partial)));
    }

    /** One row of a fused activation loss at element offset o: accumulates its gradients, returns its loss. */
    private interface RowLoss {
        float row(MemorySegment x, MemorySegment t, MemorySegment dx, MemorySegment dt, long o, int width);
    }

    @Override
    public void mseLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale) {
        float s = gradScale * 2f / x.dim(-1);
        rowLoss("mseLoss", losses, lossSum, dx, dtarget, x, target, (xs, ts, dxs, dts, o, width) -> {
            if (dxs != null) {
                Simd.accumulateScaledDifference(dxs, o, xs, o, ts, o, s, width);    // += s (x - t)
            }
            if (dts != null) {
                Simd.accumulateScaledDifference(dts, o, ts, o, xs, o, s, width);    // += s (t - x)
            }
            return Simd.sumSquaredDifference(xs, o, ts, o, width) / width;
        });
    }

    @Override
    public void cosineLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale) {
        rowLoss("cosineLoss", losses, lossSum, dx, dtarget, x, target, (xs, ts, dxs, dts, o, width) -> {
            float xx = Simd.sumSquares(xs, o, width), tt = Simd.sumSquares(ts, o, width);
            if (xx == 0f || tt == 0f) {
                return 1f;                                   // no direction: cos 0, gradient 0
            }
            float xt = Simd.dot(xs, o, ts, o, width);
            double inv = 1.0 / Math.sqrt((double) xx * tt);  // 1 / (|x| |t|), in double: xx tt may overflow float
            float cos = (float) (xt * inv);
            if (dxs != null) {                               // -g (t / (|x||t|) - cos x / |x|^2)
                Simd.accumulateLinear(dxs, o, ts, o, (float) (-gradScale * inv), xs, o, gradScale * cos / xx, width);
            }
            if (dts != null) {                               // -g (x / (|x||t|) - cos t / |t|^2)
                Simd.accumulateLinear(dts, o, xs, o, (float) (-gradScale * inv), ts, o, gradScale * cos / tt, width);
            }
            return 1f - cos;
        });
    }

    @Override
    public void sumSquares(Tensor acc, Tensor x) {
        requireCount(acc, 1, "sumSquares accumulator");
        MemorySegment xs = f32(x), as = f32(acc);
        int n = Math.toIntExact(x.numel());
        double[] partial = new double[parallel.chunks(n, 1 << 14)];   // per chunk, added in chunk order
        parallel.forChunks(n, 1 << 14, (c, from, to) -> {
            double s = 0;
            for (int i = from; i < to; i += 4096) {
                s += Simd.sumSquares(xs, i, Math.min(4096, to - i));
            }
            partial[c] = s;
        });
        as.setAtIndex(F, 0, (float) (as.getAtIndex(F, 0) + Parallel.sum(partial)));
    }

    @Override
    public void clipScale(Tensor scalars, float maxNorm) {
        MemorySegment s = scalarsOf(scalars);
        double norm = Math.sqrt(s.getAtIndex(F, OptimizerScalars.SUM_SQUARES));
        s.setAtIndex(F, OptimizerScalars.GRAD_NORM, (float) norm);
        s.setAtIndex(F, OptimizerScalars.CLIP_SCALE, maxNorm > 0 && norm > maxNorm ? (float) (maxNorm / norm) : 1f);
        if (!Double.isFinite(norm) && s.getAtIndex(F, OptimizerScalars.NON_FINITE) == 0f) {
            s.setAtIndex(F, OptimizerScalars.NON_FINITE, s.getAtIndex(F, OptimizerScalars.STEP) + 1);
        }
    }

    @Override
    public void advanceStep(Tensor scalars, Tensor lrTable) {
        MemorySegment s = scalarsOf(scalars), lr = f32(lrTable);
        float step = s.getAtIndex(F, OptimizerScalars.STEP) + 1;
        s.setAtIndex(F, OptimizerScalars.STEP, step);
        long i = Math.min((long) step, lrTable.numel()) - 1;
        s.setAtIndex(F, OptimizerScalars.LR, lr.getAtIndex(F, i));
    }

    private MemorySegment scalarsOf(Tensor scalars) {
        requireCount(scalars, OptimizerScalars.SIZE, "optimizer scalars");
        return f32(scalars);
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor scalars, float beta1, float beta2,
                      float eps, float weightDecay) {
        sameCount(param, grad);
        sameCount(param, m);
        sameCount(param, v);
        MemorySegment s = scalarsOf(scalars);
        if (s.getAtIndex(F, OptimizerScalars.NON_FINITE) != 0f) {
            return;
        }
        int step = (int) s.getAtIndex(F, OptimizerScalars.STEP);
        float lr = s.getAtIndex(F, OptimizerScalars.LR), gradScale = s.getAtIndex(F, OptimizerScalars.CLIP_SCALE);
        float c1 = (float) (1 / (1 - Math.pow(beta1, step))), c2 = (float) (1 / (1 - Math.pow(beta2, step)));
        MemorySegment ps = f32(param), gs = f32(grad), ms = f32(m), vs = f32(v);
        int n = Math.toIntExact(param.numel());
        parallel.forRange(n, 1 << 14, (from, to) ->
                Simd.adamw(ps, gs, ms, vs, from, to - from, gradScale, lr, beta1, beta2, eps, weightDecay, c1, c2));
    }

    @Override
    public void absMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        int c = x.dim(-1), batch = x.rows() / seqLen;
        requireCount(out, (long) batch * c, "absMeanOverTokens output");
        MemorySegment os = f32(out), xs = f32(x);
        parallel.forRange(batch, 1, (from, to) -> {
            float[] acc = new float[c];
            for (int b = from; b < to; b++) {
                Arrays.fill(acc, 0f);
                for (int t = 0; t < seqLen; t++) {
                    Simd.accumulateAbs(acc, xs, ((long) b * seqLen + t) * c, c);
                }
                for (int j = 0; j < c; j++) {
                    os.setAtIndex(F, (long) b * c + j, acc[j] / seqLen);
                }
            }
        });
    }

    @Override
    public void headNormMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        int heads = x.dim(-2), d = x.dim(-1), batch = x.rows() / heads / seqLen;
        requireCount(out, (long) batch * heads, "headNormMeanOverTokens output");
        MemorySegment os = f32(out), xs = f32(x);
        parallel.forRange(batch, 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                for (int h = 0; h < heads; h++) {
                    double sum = 0;
                    for (int t = 0; t < seqLen; t++) {
                        long o = (((long) b * seqLen + t) * heads + h) * d;
                        sum += Math.sqrt(Simd.sumSquares(xs, o, d));
                    }
                    os.setAtIndex(F, (long) b * heads + h, (float) (sum / seqLen));
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

    /** Stops the worker threads and frees every tensor of {@link #allocate}; arenas from openArena stay theirs. */
    @Override
    public void close() {
        parallel.close();
        arena.close();
    }
}
