package dev.redengine.backend.cpu;

import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static dev.redengine.backend.cpu.AttentionKernels.ROWS;
import static dev.redengine.backend.cpu.AttentionKernels.TILE;
import static dev.redengine.backend.cpu.AttentionKernels.roundUp;

/**
 * Causal GQA attention of {@link CpuBackend} (contract in Backend.attention), FlashAttention style: no T x T
 * probabilities are stored, only each query row's log-sum-exp lse [B, H, T], from which the backward pass
 * recomputes P tile by tile. Each task copies the operands of one (batch, head), or one (batch, KV head) in
 * backward, into heap arrays zero padded to whole register tiles, so that the {@link AttentionKernels} loops
 * need no edge cases, and works on tiles of ROWS queries against only the keys up to the tile's last query.
 * Packing costs O(T D) per task against O(T^2 D) flops; a thread's buffers are O(T D + BLOCK T) floats.
 */
final class CausalAttention {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Backward row block: dK and dV accumulate over this many queries per pass over their keys. */
    private static final int BLOCK = 64;
    /** Each thread keeps its buffers for the next call with the same T and D: no allocation per training step. */
    private static final ThreadLocal<Forward> FORWARD = new ThreadLocal<>();
    private static final ThreadLocal<Backward> BACKWARD = new ThreadLocal<>();

    private CausalAttention() {
    }

    static void forward(Parallel parallel, Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v,
                        int batch, int seqLen, float scale) {
        AttentionShape s = AttentionShape.of(q, k, batch, seqLen);
        s.requireLse(lse, batch);
        MemorySegment os = CpuBackend.memory(out), ls = CpuBackend.memory(lse), qs = CpuBackend.memory(q),
                ks = CpuBackend.memory(k), vs = CpuBackend.memory(v);
        parallel.forRange(batch * s.heads(), 1, (from, to) -> {
            Forward f = FORWARD.get();
            if (f == null || f.t != seqLen || f.d != s.dim()) {
                f = new Forward(seqLen, s.dim());
                FORWARD.set(f);
            }
            f.packed = -1;   // K and V are new in every call
            for (int task = from; task < to; task++) {
                f.run(s, os, ls, qs, ks, vs, task / s.heads(), task % s.heads(), scale);
            }
        });
    }

    /** Per (batch, KV head), so that the heads sharing K and V accumulate into dK, dV without races. */
    static void backward(Parallel parallel, Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k,
                         Tensor v, Tensor out, Tensor lse, int batch, int seqLen, float scale) {
        AttentionShape s = AttentionShape.of(q, k, batch, seqLen);
        s.requireLse(lse, batch);
        MemorySegment dqs = CpuBackend.memory(dq), dks = CpuBackend.memory(dk), dvs = CpuBackend.memory(dv),
                dos = CpuBackend.memory(dout), qs = CpuBackend.memory(q), ks = CpuBackend.memory(k),
                vs = CpuBackend.memory(v), os = CpuBackend.memory(out), ls = CpuBackend.memory(lse);
        parallel.forRange(batch * s.kvHeads(), 1, (from, to) -> {
            Backward w = BACKWARD.get();
            if (w == null || w.t != seqLen || w.d != s.dim()) {
                w = new Backward(seqLen, s.dim());
                BACKWARD.set(w);
            }
            for (int task = from; task < to; task++) {
                w.run(s, dqs, dks, dvs, dos, qs, ks, vs, os, ls, task / s.kvHeads(), task % s.kvHeads(), scale);
            }
        });
    }

    /** Copies rows [0, T) of x (row stride ld, the first at off) into dst [T, ldDst]; padding stays zero. */
    private static void packRows(MemorySegment x, long off, int ld, int t, int d, float[] dst, int ldDst) {
        for (int i = 0; i < t; i++) {
            Simd.copy(x, off + (long) i * ld, dst, i * ldDst, d);
        }
    }

    /** packRows times s: the queries go in as scale Q, so that S = (scale Q) K^T needs no pass of its own. */
    private static void packRowsScaled(MemorySegment x, long off, int ld, int t, int d, float s, float[] dst, int ldDst) {
        for (int i = 0; i < t; i++) {
            Simd.copyScaled(x, off + (long) i * ld, s, dst, i * ldDst, d);
        }
    }

    /**
     * Copies rows [0, T) of x (row stride ld) transposed into dst [D, ldDst], a tile of lanes rows at a time
     * through tmp [lanes, D]: the rows are copied in, then each column goes out as one vector gathered with
     * index[i] = i * D. An element-by-element transpose from the segment took 8-13 % of a backward call's JFR
     * samples at T = 256, D = 64, and a scalar one through tmp still 7 % at D = 32.
     */
    private static void packTransposed(MemorySegment x, long off, int ld, int t, int d, float[] dst, int ldDst,
                                       float[] tmp, int[] index) {
        int lanes = index.length;
        for (int i0 = 0; i0 < t; i0 += lanes) {
            int rows = Math.min(lanes, t - i0);
            for (int r = 0; r < rows; r++) {
                Simd.copy(x, off + (long) (i0 + r) * ld, tmp, r * d, d);
            }
            for (int c = 0; c < d; c++) {
                int o = c * ldDst + i0;
                if (rows == lanes) {
                    Simd.gather(tmp, c, index, dst, o);
                } else {
                    for (int r = 0; r < rows; r++) {
                        dst[o + r] = tmp[r * d + c];
                    }
                }
            }
        }
    }

    /** index[i] = i * d for the lanes i: the gather map of packTransposed. */
    private static int[] columnIndex(int d) {
        int[] index = new int[Simd.lanes()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i * d;
        }
        return index;
    }

    /** The inverse of packRows for the D real columns. */
    private static void unpackRows(float[] src, int ldSrc, int t, int d, MemorySegment x, long off, int ld) {
        for (int i = 0; i < t; i++) {
            Simd.copy(src, i * ldSrc, x, off + (long) i * ld, d);
        }
    }

    /**
     * One thread's buffers for the forward of one (batch, head) after another. Two passes per row tile over
     * its keys, both from buffers that hold only that tile's rows: scores, then O = softmax(S) V; the row's
     * max and sum give lse = max + log(sum) for the backward pass.
     */
    private static final class Forward {
        private final int t, d, dp, keys;
        private final float[] qs;   // [T rounded up to ROWS, D]: one head's queries times scale
        private final float[] kt;   // [D, keys]: K^T of its KV head
        private final float[] vs;   // [keys, dp]: V of its KV head
        private final float[] sc;   // [ROWS, keys]: one row tile's scores, then exp(score - max)
        private final float[] o;    // [ROWS, dp]: the tile's output rows before the 1 / sum
        private final float[] inv = new float[ROWS];   // [ROWS]: 1 / sum of each row's exps
        private final float[] tmp;  // [lanes, D]: rows on their way into kt
        private final int[] index;  // [lanes]: i * D, to gather a column of tmp
        private int packed;         // batch * KV + g whose K, V are in kt, vs (-1: none yet in this call)

        Forward(int t, int d) {
            this.t = t;
            this.d = d;
            dp = roundUp(d, TILE);
            keys = roundUp(t, TILE);
            qs = new float[roundUp(t, ROWS) * d];
            kt = new float[d * keys];
            vs = new float[keys * dp];
            sc = new float[ROWS * keys];
            o = new float[ROWS * dp];
            tmp = new float[Simd.lanes() * d];
            index = columnIndex(d);
        }

        void run(AttentionShape s, MemorySegment out, MemorySegment lse, MemorySegment q, MemorySegment k, MemorySegment v,
                 int b, int h, float scale) {
            int g = h / s.group(), kvLd = s.kvHeads() * d, qLd = s.heads() * d;
            if (packed != b * s.kvHeads() + g) {
                packTransposed(k, s.kvOffset(b, 0, g), kvLd, t, d, kt, keys, tmp, index);
                packRows(v, s.kvOffset(b, 0, g), kvLd, t, d, vs, dp);
                packed = b * s.kvHeads() + g;
            }
            packRowsScaled(q, s.qOffset(b, 0, h), qLd, t, d, scale, qs, d);
            long lBase = s.lseOffset(b, h);
            // a last tile that runs past T computes rows of zero queries, which are never written out
            for (int i0 = 0; i0 < t; i0 += ROWS) {
                int n = Math.min(i0 + ROWS, t), width = roundUp(n, TILE);   // keys up to the tile's last query
                AttentionKernels.rowsTimesMatrix(qs, i0 * d, d, kt, keys, d, sc, 0, keys, width);
                for (int i = i0; i < n; i++) {
                    int r = (i - i0) * keys;
                    Arrays.fill(sc, r + i + 1, r + width, Float.NEGATIVE_INFINITY);   // causal mask: exp gives 0
                    float max = Simd.max(sc, r, width);
                    float sum = Simd.expShifted(sc, r, max, width);
                    inv[i - i0] = 1 / sum;
                    lse.setAtIndex(F, lBase + i, max + (float) Math.log(sum));
                }
                AttentionKernels.rowsTimesMatrix(sc, 0, keys, vs, dp, n, o, 0, dp, dp);
                for (int i = i0; i < n; i++) {
                    Simd.scale(out, s.qOffset(b, i, h), o, (i - i0) * dp, inv[i - i0], d);
                }
            }
        }
    }

    /**
     * One thread's buffers for the backward of one (batch, KV head) after another. Per block of BLOCK queries
     * of each head in the group, per row tile: P = exp((scale Q) K^T - lse) recomputed, dP = dO V^T,
     * dS' = P (dP - delta) with delta = rowsum(dO * O) (= rowsum(P * dP), FlashAttention-2), dQ = scale dS' K;
     * then for the block dK += dS'^T (scale Q) and dV += P^T dO (contractions over BLOCK rows), dK and dV
     * accumulated on the heap over the group's heads. The score gradient is dS = scale dS'; the scale is
     * applied once per row of dQ and through the packed queries for dK, never in a T x T loop.
     */
    private static final class Backward {
        private final int t, d, dp, keys;
        private final float[] kt;    // [D, keys]: K^T, for S
        private final float[] vt;    // [D, keys]: V^T, for dP
        private final float[] ks;    // [keys, dp]: K, for dQ
        private final float[] qs;    // [T rounded up to ROWS, dp]: one head's queries times scale, for S and dK
        private final float[] dos;   // [T rounded up to ROWS, dp]: its output gradient, for dP and dV
        private final float[] ls;    // [T]: its lse rows
        private final float[] delta; // [T]: rowsum(dO * O) of its rows
        private final float[] dks;   // [keys, dp]: dK of the KV head
        private final float[] dvs;   // [keys, dp]: dV of the KV head
        private final float[] pb;    // [BLOCK, keys]: scores, then probabilities of one row block, 0 past the diagonal
        private final float[] ds;    // [BLOCK, keys]: dP, then dS' = dS / scale of the row block
        private final float[] o;     // [ROWS, dp]: dQ / scale rows of one tile
        private final float[] tmp;   // [lanes, D]: rows on their way into kt, vt
        private final int[] index;   // [lanes]: i * D, to gather a column of tmp

        Backward(int t, int d) {
            this.t = t;
            this.d = d;
            dp = roundUp(d, TILE);
            keys = roundUp(t, TILE);
            int rows = roundUp(t, ROWS);
            kt = new float[d * keys];
            vt = new float[d * keys];
            ks = new float[keys * dp];
            qs = new float[rows * dp];
            dos = new float[rows * dp];
            ls = new float[t];
            delta = new float[t];
            dks = new float[keys * dp];
            dvs = new float[keys * dp];
            pb = new float[BLOCK * keys];
            ds = new float[BLOCK * keys];
            o = new float[ROWS * dp];
            tmp = new float[Simd.lanes() * d];
            index = columnIndex(d);
        }

        void run(AttentionShape s, MemorySegment dq, MemorySegment dk, MemorySegment dv, MemorySegment dout,
                 MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment out, MemorySegment lse,
                 int b, int g, float scale) {
            int kvLd = s.kvHeads() * d, qLd = s.heads() * d;
            long kvOff = s.kvOffset(b, 0, g);
            packTransposed(k, kvOff, kvLd, t, d, kt, keys, tmp, index);
            packTransposed(v, kvOff, kvLd, t, d, vt, keys, tmp, index);
            packRows(k, kvOff, kvLd, t, d, ks, dp);
            Arrays.fill(dks, 0);
            Arrays.fill(dvs, 0);
            for (int h = g * s.group(); h < (g + 1) * s.group(); h++) {
                long qOff = s.qOffset(b, 0, h);
                packRowsScaled(q, qOff, qLd, t, d, scale, qs, dp);
                packRows(dout, qOff, qLd, t, d, dos, dp);
                MemorySegment.copy(lse, F, s.lseOffset(b, h) * 4, ls, 0, t);
                for (int i = 0; i < t; i++) {
                    delta[i] = Simd.dot(dos, i * dp, out, qOff + (long) i * qLd, d);   // dO from its packed copy
                }
                for (int r0 = 0; r0 < t; r0 += BLOCK) {
                    int r1 = Math.min(r0 + BLOCK, t);
                    for (int i0 = r0; i0 < r1; i0 += ROWS) {
                        scoreGradients(r0, i0);
                        queryGradients(s, dq, b, h, r0, i0, scale);
                    }
                    keyValueGradients(r0, r1);
                }
            }
            unpackRows(dks, dp, t, d, dk, kvOff, kvLd);
            unpackRows(dvs, dp, t, d, dv, kvOff, kvLd);
        }

        /**
         * The row tile at i0 of the block at r0: P into pb and dS' into ds, both zero past the diagonal up to the
         * tile's key width (which is all that dQ, dK and dV read).
         */
        private void scoreGradients(int r0, int i0) {
            int n = Math.min(i0 + ROWS, t), width = roundUp(n, TILE), p = (i0 - r0) * keys;
            AttentionKernels.rowsTimesMatrix(qs, i0 * dp, dp, kt, keys, d, pb, p, keys, width);    // S
            AttentionKernels.rowsTimesMatrix(dos, i0 * dp, dp, vt, keys, d, ds, p, keys, width);   // dP
            for (int i = i0; i < n; i++) {
                int row = (i - r0) * keys;
                Arrays.fill(pb, row + i + 1, row + width, Float.NEGATIVE_INFINITY);   // causal mask: exp gives 0
                Simd.expShifted(pb, row, ls[i], width);
                Simd.softmaxBackwardRow(ds, row, pb, row, delta[i], width);
            }
        }

        /** dQ = scale dS' K for the row tile at i0, while its dS' rows are still in cache; written to dq. */
        private void queryGradients(AttentionShape s, MemorySegment dq, int b, int h, int r0, int i0, float scale) {
            int n = Math.min(i0 + ROWS, t);
            AttentionKernels.rowsTimesMatrix(ds, (i0 - r0) * keys, keys, ks, dp, n, o, 0, dp, dp);
            for (int i = i0; i < n; i++) {
                Simd.scale(dq, s.qOffset(b, i, h), o, (i - i0) * dp, scale, d);
            }
        }

        /** dK += dS'^T (scale Q) and dV += P^T dO over the block's rows, for its keys [0, r1). */
        private void keyValueGradients(int r0, int r1) {
            for (int j0 = 0; j0 < r1; j0 += ROWS) {
                int i0 = Math.max(r0, j0);   // earlier queries see none of these keys
                int p = (i0 - r0) * keys + j0;
                AttentionKernels.columnsTimesRows(ds, p, keys, r1 - i0, qs, i0 * dp, dp, dks, j0 * dp, dp, dp);
                AttentionKernels.columnsTimesRows(pb, p, keys, r1 - i0, dos, i0 * dp, dp, dvs, j0 * dp, dp, dp);
            }
        }
    }
}
