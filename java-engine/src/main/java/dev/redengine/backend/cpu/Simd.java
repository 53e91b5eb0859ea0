package dev.redengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Every Vector API loop of the CPU backend's elementwise and row ops lives here (the matmul has its own
 * kernel in {@link Sgemm}). Offsets are in float elements; segments are native float32.
 */
public final class Simd {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Half the preferred width, for the remainder of short rows (e.g. 8 of RoPE's half = 8 or 24 with AVX-512). */
    private static final VectorSpecies<Float> S_HALF =
            S.withShape(VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    /** Only where the half width holds 4 floats or more (no 64-bit vectors). */
    private static final boolean HALF_VECTOR_STEP = S.length() >= 8;
    private static final ByteOrder LE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private Simd() {
    }

    /*
     * For sum: the shuffles i -> i ^ step, each its own static final field, so that C2 sees a constant shuffle
     * and emits one permute (read from an array, the shuffle was not constant and rearrange was not
     * intrinsified: attention at T = 256, a sum per row, ran 1.6x slower). Null where step >= lanes.
     */
    private static final VectorShuffle<Float> XOR32 = xor(32), XOR16 = xor(16), XOR8 = xor(8), XOR4 = xor(4),
            XOR2 = xor(2), XOR1 = xor(1);

    private static VectorShuffle<Float> xor(int step) {
        return step < S.length() ? VectorShuffle.fromOp(S, i -> i ^ step) : null;
    }

    /**
     * The sum of v's lanes (v of species S), added in one fixed order (a butterfly: lanes i and i ^ step,
     * halving step). Not reduceLanes(ADD), whose order the Vector API leaves open: C2's order differs from the
     * interpreter's, so a row sum (and a training run) changed in the last bit once the JIT compiled it.
     */
    static float sum(FloatVector v) {
        int n = S.length();
        if (n > 32) {
            v = v.add(v.rearrange(XOR32));
        }
        if (n > 16) {
            v = v.add(v.rearrange(XOR16));
        }
        if (n > 8) {
            v = v.add(v.rearrange(XOR8));
        }
        if (n > 4) {
            v = v.add(v.rearrange(XOR4));
        }
        if (n > 2) {
            v = v.add(v.rearrange(XOR2));
        }
        if (n > 1) {
            v = v.add(v.rearrange(XOR1));
        }
        return v.lane(0);
    }

    /** Lane count of the preferred species, e.g. 16 with AVX-512. */
    public static int lanes() {
        return S.length();
    }

    private static FloatVector load(MemorySegment m, long i) {
        return FloatVector.fromMemorySegment(S, m, i * 4, LE);
    }

    /**
     * dst[o + i] = x[xo + i] for i < n: one row from a segment into a heap array. For rows of a few vectors
     * (attention packs T rows of D floats per head) this is cheaper than MemorySegment.copy's per-call setup.
     */
    public static void copy(MemorySegment x, long xo, float[] dst, int o, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(x, xo + i).intoArray(dst, o + i);
        }
        for (; i < n; i++) {
            dst[o + i] = x.getAtIndex(F, xo + i);
        }
    }

    /** dst[o + i] = s * x[xo + i] for i < n: {@link #copy(MemorySegment, long, float[], int, int)} and a scale. */
    public static void copyScaled(MemorySegment x, long xo, float s, float[] dst, int o, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(x, xo + i).mul(s).intoArray(dst, o + i);
        }
        for (; i < n; i++) {
            dst[o + i] = s * x.getAtIndex(F, xo + i);
        }
    }

    /** x[xo + i] = src[o + i] for i < n: the inverse of {@link #copy(MemorySegment, long, float[], int, int)}. */
    public static void copy(float[] src, int o, MemorySegment x, long xo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, src, o + i).intoMemorySegment(x, (xo + i) * 4, LE);
        }
        for (; i < n; i++) {
            x.setAtIndex(F, xo + i, src[o + i]);
        }
    }

    /**
     * dst[o + i] = a[ao + index[i]] for the lanes i: with index[i] = i * D, column ao of a row-major [lanes, D]
     * tile as one row (a transpose one vector at a time).
     */
    static void gather(float[] a, int ao, int[] index, float[] dst, int o) {
        FloatVector.fromArray(S, a, ao, index, 0).intoArray(dst, o);
    }

    /** out[i] = a[i] + b[i]. */
    public static void add(MemorySegment out, long o, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(a, ao + i).add(load(b, bo + i)).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            out.setAtIndex(F, o + i, a.getAtIndex(F, ao + i) + b.getAtIndex(F, bo + i));
        }
    }

    /** out[i] = a[i] * s. */
    public static void scale(MemorySegment out, long o, MemorySegment a, long ao, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(a, ao + i).mul(s).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            out.setAtIndex(F, o + i, a.getAtIndex(F, ao + i) * s);
        }
    }

    /** sum_i a[i] * b[i], accumulated in float lanes. */
    public static float dot(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = load(a, ao + i).fma(load(b, bo + i), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) {
            sum += a.getAtIndex(F, ao + i) * b.getAtIndex(F, bo + i);
        }
        return sum;
    }

    /** sum_i a[i] * b[i] over heap arrays. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** sum_i a[i] * b[i], a on the heap and b a segment. */
    public static float dot(float[] a, int ao, MemorySegment b, long bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(load(b, bo + i), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) {
            sum += a[ao + i] * b.getAtIndex(F, bo + i);
        }
        return sum;
    }

    /** y[i] += x[i]; y on the heap, x a segment. */
    public static void accumulate(float[] y, int yo, MemorySegment x, long xo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, yo + i).add(load(x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += x.getAtIndex(F, xo + i);
        }
    }

    /** y[i] += x[i]; y a segment, x on the heap. */
    public static void accumulate(MemorySegment y, long yo, float[] x, int xo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoMemorySegment(y, (yo + i) * 4, LE);
        }
        for (; i < n; i++) {
            y.setAtIndex(F, yo + i, y.getAtIndex(F, yo + i) + x[xo + i]);
        }
    }

    /** y[i] += x[i] * w[i]; y on the heap (a per-thread accumulator). */
    public static void accumulateProduct(float[] y, MemorySegment x, long xo, MemorySegment w, long wo, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(x, xo + i).mul(load(w, wo + i)).fma(FloatVector.broadcast(S, s), FloatVector.fromArray(S, y, i)).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += x.getAtIndex(F, xo + i) * w.getAtIndex(F, wo + i) * s;
        }
    }

    /** y[i] += |x[i]|; y on the heap. */
    public static void accumulateAbs(float[] y, MemorySegment x, long xo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, i).add(load(x, xo + i).abs()).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += Math.abs(x.getAtIndex(F, xo + i));
        }
    }

    /** AdamW on [o, o + n); c1, c2 are the bias corrections 1 / (1 - beta^t). See Backend.adamw. */
    public static void adamw(MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long o, int n,
                             float gradScale, float lr, float b1, float b2, float eps, float wd, float c1, float c2) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            long at = o + i;
            FloatVector gv = load(g, at).mul(gradScale);
            FloatVector mv = load(m, at).mul(b1).add(gv.mul(1 - b1));
            FloatVector vv = load(v, at).mul(b2).add(gv.mul(gv).mul(1 - b2));
            FloatVector pv = load(p, at);
            FloatVector update = mv.mul(c1).div(vv.mul(c2).sqrt().add(eps)).add(pv.mul(wd));
            pv.sub(update.mul(lr)).intoMemorySegment(p, at * 4, LE);
            mv.intoMemorySegment(m, at * 4, LE);
            vv.intoMemorySegment(v, at * 4, LE);
        }
        for (; i < n; i++) {
            long at = o + i;
            float gv = g.getAtIndex(F, at) * gradScale;
            float mv = b1 * m.getAtIndex(F, at) + (1 - b1) * gv;
            float vv = b2 * v.getAtIndex(F, at) + (1 - b2) * gv * gv;
            float pv = p.getAtIndex(F, at);
            p.setAtIndex(F, at, pv - lr * (mv * c1 / ((float) Math.sqrt(vv * c2) + eps) + wd * pv));
            m.setAtIndex(F, at, mv);
            v.setAtIndex(F, at, vv);
        }
    }

    /** sum_i x[i]^2. */
    public static float sumSquares(MemorySegment x, long xo, int n) {
        return dot(x, xo, x, xo, n);
    }

    /** sum_i (a[i] - b[i])^2, accumulated in float lanes. */
    public static float sumSquaredDifference(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector d = load(a, ao + i).sub(load(b, bo + i));
            acc = d.fma(d, acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) {
            float d = a.getAtIndex(F, ao + i) - b.getAtIndex(F, bo + i);
            sum += d * d;
        }
        return sum;
    }

    /** out[i] += s * (a[i] - b[i]): exactly 0 added where a[i] == b[i]. */
    public static void accumulateScaledDifference(MemorySegment out, long o, MemorySegment a, long ao,
                                                  MemorySegment b, long bo, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector d = load(a, ao + i).sub(load(b, bo + i));
            d.fma(FloatVector.broadcast(S, s), load(out, o + i)).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float d = a.getAtIndex(F, ao + i) - b.getAtIndex(F, bo + i);
            out.setAtIndex(F, o + i, Math.fma(d, s, out.getAtIndex(F, o + i)));
        }
    }

    /** out[i] += sa * a[i] + sb * b[i]. */
    public static void accumulateLinear(MemorySegment out, long o, MemorySegment a, long ao, float sa,
                                        MemorySegment b, long bo, float sb, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = load(b, bo + i).fma(FloatVector.broadcast(S, sb), load(a, ao + i).mul(sa));
            load(out, o + i).add(v).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float v = Math.fma(b.getAtIndex(F, bo + i), sb, a.getAtIndex(F, ao + i) * sa);
            out.setAtIndex(F, o + i, out.getAtIndex(F, o + i) + v);
        }
    }

    /** out[i] = x[i] * s * w[i]. */
    public static void scaleMul(MemorySegment out, long o, MemorySegment x, long xo, float s, MemorySegment w, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(x, xo + i).mul(s).mul(load(w, i)).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            out.setAtIndex(F, o + i, x.getAtIndex(F, xo + i) * s * w.getAtIndex(F, i));
        }
    }

    /**
     * RMSNorm backward for one row: dx += rstd * (dout*w - xhat * mean(dout*w * xhat)), xhat = x * rstd.
     */
    public static void rmsnormBackwardRow(MemorySegment dx, MemorySegment dout, MemorySegment x, long o,
                                          MemorySegment w, float rstd, int n) {
        // mean(dout * w * xhat) = rstd * sum(dout * w * x) / n
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += S.length()) {
            acc = load(dout, o + i).mul(load(w, i)).fma(load(x, o + i), acc);
        }
        float dot = sum(acc);
        for (; i < n; i++) {
            dot += dout.getAtIndex(F, o + i) * w.getAtIndex(F, i) * x.getAtIndex(F, o + i);
        }
        float c = rstd * rstd * dot / n; // coefficient of x in the correction term, before the outer rstd
        for (i = 0; i < bound; i += S.length()) {
            FloatVector g = load(dout, o + i).mul(load(w, i));
            FloatVector corr = load(x, o + i).mul(c);
            g.sub(corr).fma(FloatVector.broadcast(S, rstd), load(dx, o + i)).intoMemorySegment(dx, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float g = dout.getAtIndex(F, o + i) * w.getAtIndex(F, i) - x.getAtIndex(F, o + i) * c;
            dx.setAtIndex(F, o + i, dx.getAtIndex(F, o + i) + rstd * g);
        }
    }

    /**
     * RoPE in place on rows [from, to) of x [rows, heads, d] (HF rotate_half: element i pairs with
     * i + d/2): x1' = x1 c - x2 s, x2' = x2 c + x1 s, with c = cos[t, i], s = sign * sin[t, i], the tables
     * [positions, d/2] and t = row % seqLen. Sign 1 is the forward, sign -1 its transpose (the backward).
     * Same rounding as that scalar form (no fused multiply-add). Each row's cos/sin vectors are loaded once
     * and applied to all its heads, and the position advances by one per row instead of a division; half
     * d/2 runs on whole vectors, then one half-width vector, then scalars.
     */
    public static void rope(MemorySegment x, MemorySegment cos, MemorySegment sin, int from, int to, int heads,
                            int d, int seqLen, float sign) {
        int half = d / 2, bound = S.loopBound(half);
        long rowLength = (long) heads * d;
        int t = from % seqLen;
        for (int r = from; r < to; r++) {
            long row = r * rowLength, table = (long) t * half;
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector c = load(cos, table + i), s = load(sin, table + i).mul(sign);
                for (int h = 0; h < heads; h++) {
                    long at = row + (long) h * d + i;
                    FloatVector x1 = load(x, at), x2 = load(x, at + half);
                    x1.mul(c).sub(x2.mul(s)).intoMemorySegment(x, at * 4, LE);
                    x2.mul(c).add(x1.mul(s)).intoMemorySegment(x, (at + half) * 4, LE);
                }
            }
            if (bound < half) {
                ropeRemainder(x, cos, sin, row, table, heads, d, bound, sign);
            }
            if (++t == seqLen) {
                t = 0;
            }
        }
    }

    /**
     * Pairs i in [from, d/2) of one row: a half-width vector if that many remain, then scalars. A method of
     * its own, with no vector arguments, and each species written out where its vectors are made: one rotation
     * helper shared by both species (the species an argument) made D = 48 four times slower than the scalar
     * remainder it replaced.
     */
    private static void ropeRemainder(MemorySegment x, MemorySegment cos, MemorySegment sin, long row, long table,
                                      int heads, int d, int from, float sign) {
        int half = d / 2, i = from;
        if (HALF_VECTOR_STEP && half - i >= S_HALF.length()) {
            FloatVector c = FloatVector.fromMemorySegment(S_HALF, cos, (table + i) * 4, LE);
            FloatVector s = FloatVector.fromMemorySegment(S_HALF, sin, (table + i) * 4, LE).mul(sign);
            for (int h = 0; h < heads; h++) {
                long at = row + (long) h * d + i;
                FloatVector x1 = FloatVector.fromMemorySegment(S_HALF, x, at * 4, LE);
                FloatVector x2 = FloatVector.fromMemorySegment(S_HALF, x, (at + half) * 4, LE);
                x1.mul(c).sub(x2.mul(s)).intoMemorySegment(x, at * 4, LE);
                x2.mul(c).add(x1.mul(s)).intoMemorySegment(x, (at + half) * 4, LE);
            }
            i += S_HALF.length();
        }
        for (; i < half; i++) {
            float c = cos.getAtIndex(F, table + i), s = sign * sin.getAtIndex(F, table + i);
            for (int h = 0; h < heads; h++) {
                long at = row + (long) h * d + i;
                float x1 = x.getAtIndex(F, at), x2 = x.getAtIndex(F, at + half);
                x.setAtIndex(F, at, x1 * c - x2 * s);
                x.setAtIndex(F, at + half, x2 * c + x1 * s);
            }
        }
    }

    private static void store(FloatVector a, float[] out, int o, boolean accumulate) {
        (accumulate ? a.add(FloatVector.fromArray(S, out, o)) : a).intoArray(out, o);
    }

    /** x[i] *= s over a heap array. */
    public static void scale(float[] x, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, i).mul(s).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] *= s;
        }
    }

    /** out = silu(gate) * up. */
    public static void swiglu(MemorySegment out, MemorySegment gate, MemorySegment up, long o, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector g = load(gate, o + i);
            FloatVector sig = FloatVector.broadcast(S, 1f).div(Exp.exp(g.neg()).add(1f));
            g.mul(sig).mul(load(up, o + i)).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float g = gate.getAtIndex(F, o + i);
            float sig = 1f / (1f + Exp.exp(-g));
            out.setAtIndex(F, o + i, g * sig * up.getAtIndex(F, o + i));
        }
    }

    /** dgate = dout * up * sig * (1 + g (1 - sig)); dup = dout * g * sig. */
    public static void swigluBackward(MemorySegment dgate, MemorySegment dup, MemorySegment dout,
                                      MemorySegment gate, MemorySegment up, long o, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector g = load(gate, o + i);
            FloatVector sig = FloatVector.broadcast(S, 1f).div(Exp.exp(g.neg()).add(1f));
            FloatVector d = load(dout, o + i);
            FloatVector u = load(up, o + i);
            FloatVector dsilu = sig.mul(g.mul(sig.neg().add(1f)).add(1f));
            d.mul(u).mul(dsilu).intoMemorySegment(dgate, (o + i) * 4, LE);
            d.mul(g).mul(sig).intoMemorySegment(dup, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float g = gate.getAtIndex(F, o + i);
            float sig = 1f / (1f + Exp.exp(-g));
            float d = dout.getAtIndex(F, o + i);
            dgate.setAtIndex(F, o + i, d * up.getAtIndex(F, o + i) * sig * (1f + g * (1f - sig)));
            dup.setAtIndex(F, o + i, d * g * sig);
        }
    }

    /** Softmax backward on one row, in place on dp: dp[i] = scale * p[i] * (dp[i] - pdp), pdp = sum p dp. */
    public static void softmaxBackwardRow(MemorySegment dp, long dpo, MemorySegment p, long po, float pdp, float scale, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            load(dp, dpo + i).sub(pdp).mul(load(p, po + i)).mul(scale).intoMemorySegment(dp, (dpo + i) * 4, LE);
        }
        for (; i < n; i++) {
            dp.setAtIndex(F, dpo + i, scale * p.getAtIndex(F, po + i) * (dp.getAtIndex(F, dpo + i) - pdp));
        }
    }

    /** Softmax backward on one row of heap arrays, in place on dp: dp[i] = p[i] * (dp[i] - pdp). */
    public static void softmaxBackwardRow(float[] dp, int dpo, float[] p, int po, float pdp, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, dp, dpo + i).sub(pdp).mul(FloatVector.fromArray(S, p, po + i)).intoArray(dp, dpo + i);
        }
        for (; i < n; i++) {
            dp[dpo + i] = p[po + i] * (dp[dpo + i] - pdp);
        }
    }

    /** max_i x[o + i] over a heap row of width floats, width a multiple of the lanes. */
    public static float max(float[] x, int o, int width) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < width; i += S.length()) {
            max = max.max(FloatVector.fromArray(S, x, o + i));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * In place on a heap row x[o, o + width), width a multiple of the lanes: x[i] = exp(x[i] - shift), so that
     * entries masked as -infinity become 0 and every pass runs on whole vectors. Returns the sum, accumulated
     * in float lanes (width is a sequence length, not a vocabulary).
     */
    public static float expShifted(float[] x, int o, float shift, int width) {
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < width; i += S.length()) {
            FloatVector e = Exp.exp(FloatVector.fromArray(S, x, o + i).sub(shift));
            e.intoArray(x, o + i);
            sum = sum.add(e);
        }
        return sum(sum);
    }

    /** out[i] = a[i] * s; out a segment, a on the heap. */
    public static void scale(MemorySegment out, long o, float[] a, int ao, float s, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, ao + i).mul(s).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            out.setAtIndex(F, o + i, a[ao + i] * s);
        }
    }

    /** max_i x[i]. */
    public static float max(MemorySegment x, long xo, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = acc.max(load(x, xo + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x.getAtIndex(F, xo + i));
        }
        return m;
    }

    /**
     * sum_i exp(x[i] - shift), accumulated in double for long vocabularies: float lanes over blocks of 512
     * elements, each block's lanes then added into the double (one horizontal reduction per block).
     */
    public static double sumExp(MemorySegment x, long xo, float shift, int n) {
        double sum = 0;
        int i = 0;
        int bound = S.loopBound(n);
        while (i < bound) {
            int blockEnd = Math.min(bound, i + 512);
            FloatVector acc = FloatVector.zero(S);
            for (; i < blockEnd; i += S.length()) {
                acc = acc.add(Exp.exp(load(x, xo + i).sub(shift)));
            }
            sum += sum(acc);
        }
        for (; i < n; i++) {
            sum += Exp.exp(x.getAtIndex(F, xo + i) - shift);
        }
        return sum;
    }

    /** out[i] = scale * exp(x[i] - shift). */
    public static void expScaled(MemorySegment out, long o, MemorySegment x, long xo, float shift, float scale, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            Exp.exp(load(x, xo + i).sub(shift)).mul(scale).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            out.setAtIndex(F, o + i, scale * Exp.exp(x.getAtIndex(F, xo + i) - shift));
        }
    }

    /**
     * sum_i exp((x[i] - shift) * scale): {@link #sumExp(MemorySegment, long, float, int)} with a temperature
     * (scale = 1 / T), accumulated the same way.
     */
    public static double sumExp(MemorySegment x, long xo, float shift, float scale, int n) {
        double sum = 0;
        int i = 0;
        int bound = S.loopBound(n);
        while (i < bound) {
            int blockEnd = Math.min(bound, i + 512);
            FloatVector acc = FloatVector.zero(S);
            for (; i < blockEnd; i += S.length()) {
                acc = acc.add(Exp.exp(load(x, xo + i).sub(shift).mul(scale)));
            }
            sum += sum(acc);
        }
        for (; i < n; i++) {
            sum += Exp.exp((x.getAtIndex(F, xo + i) - shift) * scale);
        }
        return sum;
    }

    /**
     * sum_i exp((w[i] - mw) * scale) * ((w[i] - mw) - (o[i] - mo)): the unnormalised weighted log ratio of the
     * KL divergence, with w the row that weights (the first distribution of KL(w || o)). Both rows are shifted
     * by their own maxima before they are subtracted, so an offset common to a row cancels exactly and the
     * difference is of the rows' spans, not of their magnitudes. Float lanes over blocks of 512, then double.
     */
    public static double expWeightedDifference(MemorySegment w, long wo, float mw, MemorySegment o, long oo, float mo,
                                               float scale, int n) {
        double sum = 0;
        int i = 0;
        int bound = S.loopBound(n);
        while (i < bound) {
            int blockEnd = Math.min(bound, i + 512);
            FloatVector acc = FloatVector.zero(S);
            for (; i < blockEnd; i += S.length()) {
                FloatVector ws = load(w, wo + i).sub(mw);
                FloatVector diff = ws.sub(load(o, oo + i).sub(mo));
                acc = Exp.exp(ws.mul(scale)).fma(diff, acc);
            }
            sum += sum(acc);
        }
        for (; i < n; i++) {
            float ws = w.getAtIndex(F, wo + i) - mw;
            float diff = ws - (o.getAtIndex(F, oo + i) - mo);
            sum += Exp.exp(ws * scale) * diff;
        }
        return sum;
    }

    /**
     * out[i] = ca * exp((a[i] - ma) * scale) - cb * exp((b[i] - mb) * scale): the difference of two softmax rows
     * (ca, cb: the scaled inverse partition sums). out may alias a or b (element i is read before it is written).
     */
    public static void expDifference(MemorySegment out, long o, MemorySegment a, long ao, float ma, float ca,
                                     MemorySegment b, long bo, float mb, float cb, float scale, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector ea = Exp.exp(load(a, ao + i).sub(ma).mul(scale)).mul(ca);
            FloatVector eb = Exp.exp(load(b, bo + i).sub(mb).mul(scale)).mul(cb);
            ea.sub(eb).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float ea = ca * Exp.exp((a.getAtIndex(F, ao + i) - ma) * scale);
            float eb = cb * Exp.exp((b.getAtIndex(F, bo + i) - mb) * scale);
            out.setAtIndex(F, o + i, ea - eb);
        }
    }

    /**
     * out[i] = c * exp((a[i] - ma) * scale) * (((a[i] - ma) - (b[i] - mb)) * scale + k): a softmax row times its
     * shifted log ratio to another row plus a constant (the reverse-KL gradient). out may alias a or b.
     */
    public static void expTimesDifference(MemorySegment out, long o, MemorySegment a, long ao, float ma,
                                          MemorySegment b, long bo, float mb, float scale, float c, float k, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector as = load(a, ao + i).sub(ma);
            FloatVector ratio = as.sub(load(b, bo + i).sub(mb)).fma(FloatVector.broadcast(S, scale), FloatVector.broadcast(S, k));
            Exp.exp(as.mul(scale)).mul(c).mul(ratio).intoMemorySegment(out, (o + i) * 4, LE);
        }
        for (; i < n; i++) {
            float as = a.getAtIndex(F, ao + i) - ma;
            float ratio = (as - (b.getAtIndex(F, bo + i) - mb)) * scale + k;
            out.setAtIndex(F, o + i, c * Exp.exp(as * scale) * ratio);
        }
    }
}
