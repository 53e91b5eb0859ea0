package dev.redengine.bench;

import dev.redengine.backend.Backend;
import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

/** Delegates to another backend and adds up wall time and calls per op, for the train-step breakdown. */
final class TimingBackend implements Backend {
    private final Backend be;
    final Map<String, long[]> nanos = new TreeMap<>(); // op -> {nanos, calls}
    final Map<String, long[]> matmulShapes = new TreeMap<>(); // "NT 1024x256x704" (m x k x n) -> {nanos, calls, flops/call}

    TimingBackend(Backend be) {
        this.be = be;
    }

    void reset() {
        nanos.clear();
        matmulShapes.clear();
    }

    private void time(String op, Runnable r) {
        time(nanos.computeIfAbsent(op, k -> new long[2]), r);
    }

    /** Adds r's wall time to acc[0] and one call to acc[1]. */
    private static void time(long[] acc, Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        acc[0] += System.nanoTime() - t0;
        acc[1]++;
    }

    @Override public String name() { return "timed " + be.name(); }
    @Override public TensorArena arena() { return be.arena(); }
    @Override public TensorArena openArena() { return be.openArena(); }
    @Override public void upload(Tensor dst, MemorySegment src) { time("upload", () -> be.upload(dst, src)); }
    @Override public void download(Tensor src, MemorySegment dst) { time("download", () -> be.download(src, dst)); }
    @Override public void cast(Tensor dst, Tensor src) { time("cast", () -> be.cast(dst, src)); }
    @Override public void zero(Tensor t) { time("zero", () -> be.zero(t)); }
    @Override public void copy(Tensor dst, Tensor src) { time("copy", () -> be.copy(dst, src)); }
    @Override public void add(Tensor out, Tensor a, Tensor b) { time("add", () -> be.add(out, a, b)); }
    @Override public void accumulate(Tensor dst, Tensor src) { time("accumulate", () -> be.accumulate(dst, src)); }
    @Override public void scale(Tensor x, float s) { time("scale", () -> be.scale(x, s)); }

    @Override
    public void matmul(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int m = c.rows(), n = c.dim(-1), k = transA ? a.rows() : a.dim(-1);
        String shape = (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + k + "x" + n;
        long[] acc = matmulShapes.computeIfAbsent(shape, s -> new long[] {0, 0, 2L * m * k * n});
        time("matmul", () -> time(acc, () -> be.matmul(c, a, transA, b, transB, alpha, beta)));
    }

    @Override public void addBias(Tensor y, Tensor bias) { time("addBias", () -> be.addBias(y, bias)); }
    @Override public void biasBackward(Tensor dbias, Tensor dy) { time("biasBackward", () -> be.biasBackward(dbias, dy)); }
    @Override public void embedding(Tensor out, Tensor ids, Tensor table) { time("embedding", () -> be.embedding(out, ids, table)); }

    @Override
    public void embeddingBackward(Tensor dtable, Tensor ids, Tensor dout) {
        time("embeddingBackward", () -> be.embeddingBackward(dtable, ids, dout));
    }

    @Override
    public void rmsnorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, float eps) {
        time("rmsnorm", () -> be.rmsnorm(out, rstd, x, weight, eps));
    }

    @Override
    public void rmsnormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor weight, Tensor rstd) {
        time("rmsnormBackward", () -> be.rmsnormBackward(dx, dweight, dout, x, weight, rstd));
    }

    @Override public void rope(Tensor x, Tensor cos, Tensor sin, int seqLen) { time("rope", () -> be.rope(x, cos, sin, seqLen)); }

    @Override
    public void ropeBackward(Tensor dx, Tensor cos, Tensor sin, int seqLen) {
        time("ropeBackward", () -> be.ropeBackward(dx, cos, sin, seqLen));
    }

    @Override
    public void attention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, int batch, int seqLen, float scale) {
        time("attention", () -> be.attention(out, lse, q, k, v, batch, seqLen, scale));
    }

    @Override
    public void cachedAttention(Tensor out, Tensor q, Tensor kCache, Tensor vCache, int position, float scale) {
        time("cachedAttention", () -> be.cachedAttention(out, q, kCache, vCache, position, scale));
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                  Tensor lse, int batch, int seqLen, float scale) {
        time("attentionBackward", () -> be.attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, batch, seqLen, scale));
    }

    @Override public void swiglu(Tensor out, Tensor gate, Tensor up) { time("swiglu", () -> be.swiglu(out, gate, up)); }

    @Override
    public void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
        time("swigluBackward", () -> be.swigluBackward(dgate, dup, dout, gate, up));
    }

    @Override
    public void crossEntropy(Tensor losses, Tensor lossSum, Tensor dlogits, Tensor logits, Tensor targets, float gradScale) {
        time("crossEntropy", () -> be.crossEntropy(losses, lossSum, dlogits, logits, targets, gradScale));
    }

    @Override
    public void klDivergence(Tensor losses, Tensor lossSum, Tensor dstudent, Tensor student, Tensor teacher, Tensor mask,
                             float temperature, boolean reverse, float gradScale) {
        time("klDivergence", () -> be.klDivergence(losses, lossSum, dstudent, student, teacher, mask, temperature, reverse, gradScale));
    }

    @Override
    public void mseLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale) {
        time("mseLoss", () -> be.mseLoss(losses, lossSum, dx, dtarget, x, target, gradScale));
    }

    @Override
    public void cosineLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale) {
        time("cosineLoss", () -> be.cosineLoss(losses, lossSum, dx, dtarget, x, target, gradScale));
    }

    @Override public void sumSquares(Tensor acc, Tensor x) { time("sumSquares", () -> be.sumSquares(acc, x)); }
    @Override public void clipScale(Tensor scalars, float maxNorm) { time("clipScale", () -> be.clipScale(scalars, maxNorm)); }
    @Override public void advanceStep(Tensor scalars, Tensor lrTable) { time("advanceStep", () -> be.advanceStep(scalars, lrTable)); }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor scalars, float beta1, float beta2, float eps,
                      float weightDecay) {
        time("adamw", () -> be.adamw(param, grad, m, v, scalars, beta1, beta2, eps, weightDecay));
    }

    @Override
    public void absMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        time("absMeanOverTokens", () -> be.absMeanOverTokens(out, x, seqLen));
    }

    @Override
    public void headNormMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        time("headNormMeanOverTokens", () -> be.headNormMeanOverTokens(out, x, seqLen));
    }

    @Override public void synchronize() { be.synchronize(); }
    @Override public void close() { be.close(); }
}
