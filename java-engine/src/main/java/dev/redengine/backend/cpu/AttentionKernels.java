package dev.redengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled Vector API loops of causal attention on packed heap operands (see {@link CausalAttention}).
 * Every tile is {@link #ROWS} rows by two vectors ({@link #TILE} floats). With vectors up to 256 bits, 4 rows:
 * eight accumulators, which leaves room for the operands in the 16 registers of AVX2 (a 4 x 3 vector score
 * tile measured about 40% slower); in a micro-benchmark the score and P V loops run at 55-70 GFLOP/s on one
 * 2.45 GHz AVX2 core (FMA peak 78). With 512-bit vectors, 8 rows: sixteen accumulators in AVX-512's 32
 * registers halve the operand loads per multiply-add, which pays for the backward's recomputing the
 * probabilities (one more product per row tile than when they were stored). Widths passed in are multiples
 * of TILE; offsets are in floats.
 */
final class AttentionKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /**
     * Rows of a register tile, 4 or 8 (property redengine.attention.rows overrides the choice by vector width,
     * so that the tests run both tiles on any machine; 8 spills on AVX2 and is slow there, but stays correct).
     */
    static final int ROWS = checkedRows(Integer.getInteger("redengine.attention.rows", L >= 16 ? 8 : 4));
    /** Columns of a register tile: two vectors. */
    static final int TILE = 2 * L;

    private AttentionKernels() {
    }

    private static int checkedRows(int rows) {
        if (rows != 4 && rows != 8) {
            throw new IllegalStateException("no attention tile of " + rows + " rows: redengine.attention.rows must be 4 or 8");
        }
        return rows;
    }

    /** x rounded up to a multiple of m. */
    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    /**
     * s[r, j] = sum_{c < n} a[r, c] b[c, j] for the ROWS rows r and columns j < width: a [ROWS, lda] at aOff
     * (broadcast one scalar at a time), b [n, ldb], s [ROWS, lds] at sOff. Serves S = (scale Q) K^T (b = K^T;
     * the queries are packed pre-scaled, so that no product needs a scale pass), O = P V (b = V),
     * dP = dO V^T and dQ = dS K.
     */
    static void rowsTimesMatrix(float[] a, int aOff, int lda, float[] b, int ldb, int n,
                                float[] s, int sOff, int lds, int width) {
        if (ROWS == 8) {
            rowsTimesMatrix8(a, aOff, lda, b, ldb, n, s, sOff, lds, width);
        } else {
            rowsTimesMatrix4(a, aOff, lda, b, ldb, n, s, sOff, lds, width);
        }
    }

    /**
     * acc[j, :] += sum_{i < rows} p[i, j] x[i, :] for the ROWS columns j of p at pOff (rows of acc at accOff)
     * and columns [0, width) of x and acc: p [rows, ldp], x [rows, ldx] at xOff, acc [ROWS, ldacc]. Serves
     * dK += dS^T Q and dV += P^T dO.
     */
    static void columnsTimesRows(float[] p, int pOff, int ldp, int rows, float[] x, int xOff, int ldx,
                                 float[] acc, int accOff, int ldacc, int width) {
        if (ROWS == 8) {
            columnsTimesRows8(p, pOff, ldp, rows, x, xOff, ldx, acc, accOff, ldacc, width);
        } else {
            columnsTimesRows4(p, pOff, ldp, rows, x, xOff, ldx, acc, accOff, ldacc, width);
        }
    }

    private static void rowsTimesMatrix4(float[] a, int aOff, int lda, float[] b, int ldb, int n,
                                         float[] s, int sOff, int lds, int width) {
        for (int j = 0; j < width; j += TILE) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
            FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (int c = 0, bc = j; c < n; c++, bc += ldb) {
                FloatVector b0 = FloatVector.fromArray(S, b, bc), b1 = FloatVector.fromArray(S, b, bc + L);
                int ac = aOff + c;
                FloatVector a0 = FloatVector.broadcast(S, a[ac]);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ac + lda]);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ac + 2 * lda]);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ac + 3 * lda]);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
            }
            int o = sOff + j;
            c00.intoArray(s, o);
            c01.intoArray(s, o + L);
            c10.intoArray(s, o + lds);
            c11.intoArray(s, o + lds + L);
            c20.intoArray(s, o + 2 * lds);
            c21.intoArray(s, o + 2 * lds + L);
            c30.intoArray(s, o + 3 * lds);
            c31.intoArray(s, o + 3 * lds + L);
        }
    }

    private static void columnsTimesRows4(float[] p, int pOff, int ldp, int rows, float[] x, int xOff, int ldx,
                                          float[] acc, int accOff, int ldacc, int width) {
        for (int col = 0; col < width; col += TILE) {
            int a = accOff + col;
            FloatVector c00 = FloatVector.fromArray(S, acc, a), c01 = FloatVector.fromArray(S, acc, a + L);
            FloatVector c10 = FloatVector.fromArray(S, acc, a + ldacc), c11 = FloatVector.fromArray(S, acc, a + ldacc + L);
            FloatVector c20 = FloatVector.fromArray(S, acc, a + 2 * ldacc);
            FloatVector c21 = FloatVector.fromArray(S, acc, a + 2 * ldacc + L);
            FloatVector c30 = FloatVector.fromArray(S, acc, a + 3 * ldacc);
            FloatVector c31 = FloatVector.fromArray(S, acc, a + 3 * ldacc + L);
            for (int i = 0, pi = pOff, xi = xOff + col; i < rows; i++, pi += ldp, xi += ldx) {
                FloatVector x0 = FloatVector.fromArray(S, x, xi), x1 = FloatVector.fromArray(S, x, xi + L);
                FloatVector p0 = FloatVector.broadcast(S, p[pi]);
                c00 = p0.fma(x0, c00);
                c01 = p0.fma(x1, c01);
                FloatVector p1 = FloatVector.broadcast(S, p[pi + 1]);
                c10 = p1.fma(x0, c10);
                c11 = p1.fma(x1, c11);
                FloatVector p2 = FloatVector.broadcast(S, p[pi + 2]);
                c20 = p2.fma(x0, c20);
                c21 = p2.fma(x1, c21);
                FloatVector p3 = FloatVector.broadcast(S, p[pi + 3]);
                c30 = p3.fma(x0, c30);
                c31 = p3.fma(x1, c31);
            }
            c00.intoArray(acc, a);
            c01.intoArray(acc, a + L);
            c10.intoArray(acc, a + ldacc);
            c11.intoArray(acc, a + ldacc + L);
            c20.intoArray(acc, a + 2 * ldacc);
            c21.intoArray(acc, a + 2 * ldacc + L);
            c30.intoArray(acc, a + 3 * ldacc);
            c31.intoArray(acc, a + 3 * ldacc + L);
        }
    }

    /** rowsTimesMatrix with 8 rows: 16 accumulators. */
    private static void rowsTimesMatrix8(float[] a, int aOff, int lda, float[] b, int ldb, int n,
                                         float[] s, int sOff, int lds, int width) {
        for (int j = 0; j < width; j += TILE) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
            FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            for (int c = 0, bc = j; c < n; c++, bc += ldb) {
                FloatVector b0 = FloatVector.fromArray(S, b, bc), b1 = FloatVector.fromArray(S, b, bc + L);
                int ac = aOff + c;
                FloatVector a0 = FloatVector.broadcast(S, a[ac]);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ac + lda]);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ac + 2 * lda]);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ac + 3 * lda]);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                FloatVector a4 = FloatVector.broadcast(S, a[ac + 4 * lda]);
                c40 = a4.fma(b0, c40);
                c41 = a4.fma(b1, c41);
                FloatVector a5 = FloatVector.broadcast(S, a[ac + 5 * lda]);
                c50 = a5.fma(b0, c50);
                c51 = a5.fma(b1, c51);
                FloatVector a6 = FloatVector.broadcast(S, a[ac + 6 * lda]);
                c60 = a6.fma(b0, c60);
                c61 = a6.fma(b1, c61);
                FloatVector a7 = FloatVector.broadcast(S, a[ac + 7 * lda]);
                c70 = a7.fma(b0, c70);
                c71 = a7.fma(b1, c71);
            }
            int o = sOff + j;
            c00.intoArray(s, o);
            c01.intoArray(s, o + L);
            c10.intoArray(s, o + lds);
            c11.intoArray(s, o + lds + L);
            c20.intoArray(s, o + 2 * lds);
            c21.intoArray(s, o + 2 * lds + L);
            c30.intoArray(s, o + 3 * lds);
            c31.intoArray(s, o + 3 * lds + L);
            c40.intoArray(s, o + 4 * lds);
            c41.intoArray(s, o + 4 * lds + L);
            c50.intoArray(s, o + 5 * lds);
            c51.intoArray(s, o + 5 * lds + L);
            c60.intoArray(s, o + 6 * lds);
            c61.intoArray(s, o + 6 * lds + L);
            c70.intoArray(s, o + 7 * lds);
            c71.intoArray(s, o + 7 * lds + L);
        }
    }

    /** columnsTimesRows with 8 columns of p: 16 accumulators. */
    private static void columnsTimesRows8(float[] p, int pOff, int ldp, int rows, float[] x, int xOff, int ldx,
                                          float[] acc, int accOff, int ldacc, int width) {
        for (int col = 0; col < width; col += TILE) {
            int a = accOff + col;
            FloatVector c00 = FloatVector.fromArray(S, acc, a);
            FloatVector c01 = FloatVector.fromArray(S, acc, a + L);
            FloatVector c10 = FloatVector.fromArray(S, acc, a + ldacc);
            FloatVector c11 = FloatVector.fromArray(S, acc, a + ldacc + L);
            FloatVector c20 = FloatVector.fromArray(S, acc, a + 2 * ldacc);
            FloatVector c21 = FloatVector.fromArray(S, acc, a + 2 * ldacc + L);
            FloatVector c30 = FloatVector.fromArray(S, acc, a + 3 * ldacc);
            FloatVector c31 = FloatVector.fromArray(S, acc, a + 3 * ldacc + L);
            FloatVector c40 = FloatVector.fromArray(S, acc, a + 4 * ldacc);
            FloatVector c41 = FloatVector.fromArray(S, acc, a + 4 * ldacc + L);
            FloatVector c50 = FloatVector.fromArray(S, acc, a + 5 * ldacc);
            FloatVector c51 = FloatVector.fromArray(S, acc, a + 5 * ldacc + L);
            FloatVector c60 = FloatVector.fromArray(S, acc, a + 6 * ldacc);
            FloatVector c61 = FloatVector.fromArray(S, acc, a + 6 * ldacc + L);
            FloatVector c70 = FloatVector.fromArray(S, acc, a + 7 * ldacc);
            FloatVector c71 = FloatVector.fromArray(S, acc, a + 7 * ldacc + L);
            for (int i = 0, pi = pOff, xi = xOff + col; i < rows; i++, pi += ldp, xi += ldx) {
                FloatVector x0 = FloatVector.fromArray(S, x, xi), x1 = FloatVector.fromArray(S, x, xi + L);
                FloatVector p0 = FloatVector.broadcast(S, p[pi]);
                c00 = p0.fma(x0, c00);
                c01 = p0.fma(x1, c01);
                FloatVector p1 = FloatVector.broadcast(S, p[pi + 1]);
                c10 = p1.fma(x0, c10);
                c11 = p1.fma(x1, c11);
                FloatVector p2 = FloatVector.broadcast(S, p[pi + 2]);
                c20 = p2.fma(x0, c20);
                c21 = p2.fma(x1, c21);
                FloatVector p3 = FloatVector.broadcast(S, p[pi + 3]);
                c30 = p3.fma(x0, c30);
                c31 = p3.fma(x1, c31);
                FloatVector p4 = FloatVector.broadcast(S, p[pi + 4]);
                c40 = p4.fma(x0, c40);
                c41 = p4.fma(x1, c41);
                FloatVector p5 = FloatVector.broadcast(S, p[pi + 5]);
                c50 = p5.fma(x0, c50);
                c51 = p5.fma(x1, c51);
                FloatVector p6 = FloatVector.broadcast(S, p[pi + 6]);
                c60 = p6.fma(x0, c60);
                c61 = p6.fma(x1, c61);
                FloatVector p7 = FloatVector.broadcast(S, p[pi + 7]);
                c70 = p7.fma(x0, c70);
                c71 = p7.fma(x1, c71);
            }
            c00.intoArray(acc, a);
            c01.intoArray(acc, a + L);
            c10.intoArray(acc, a + ldacc);
            c11.intoArray(acc, a + ldacc + L);
            c20.intoArray(acc, a + 2 * ldacc);
            c21.intoArray(acc, a + 2 * ldacc + L);
            c30.intoArray(acc, a + 3 * ldacc);
            c31.intoArray(acc, a + 3 * ldacc + L);
            c40.intoArray(acc, a + 4 * ldacc);
            c41.intoArray(acc, a + 4 * ldacc + L);
            c50.intoArray(acc, a + 5 * ldacc);
            c51.intoArray(acc, a + 5 * ldacc + L);
            c60.intoArray(acc, a + 6 * ldacc);
            c61.intoArray(acc, a + 6 * ldacc + L);
            c70.intoArray(acc, a + 7 * ldacc);
            c71.intoArray(acc, a + 7 * ldacc + L);
        }
    }
}
