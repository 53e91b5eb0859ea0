package dev.redengine.backend.cpu;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * RoPE forward and backward against a plain scalar loop at edge shapes: half = D/2 below, at and above the
 * vector lanes and not a multiple of them (whole vectors, the half-width step and scalar remainders), T = 1,
 * B > 1, tables longer than the sequence, and enough rows to be split over threads at positions inside a
 * sequence. The kernel does the scalar form's float operations in the same order, so results match exactly.
 */
class RopeReferenceTest {
    private final CpuBackend ONE = new CpuBackend(1);
    private final CpuBackend TWO = new CpuBackend(2);

    @AfterEach
    void close() {
        ONE.close();
        TWO.close();
    }

    /** x [rows, heads, d] in place; position t = row % seqLen; sign 1 forward, -1 the transpose. */
    private static void reference(float[] x, int rows, int heads, int d, float[] cos, float[] sin, int seqLen, float sign) {
        int half = d / 2;
        for (int r = 0; r < rows; r++) {
            int t = r % seqLen;
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * d;
                for (int i = 0; i < half; i++) {
                    float c = cos[t * half + i], s = sign * sin[t * half + i];
                    float x1 = x[base + i], x2 = x[base + half + i];
                    x[base + i] = x1 * c - x2 * s;
                    x[base + half + i] = x2 * c + x1 * s;
                }
            }
        }
    }

    private static void check(CpuBackend be, int batch, int seqLen, int heads, int d, int positions, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = batch * seqLen, half = d / 2;
        float[] x = new float[rows * heads * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        float[] cos = new float[positions * half], sin = new float[positions * half];
        for (int t = 0; t < positions; t++) {
            for (int i = 0; i < half; i++) {
                double angle = t * Math.pow(10000, -2.0 * i / d) + 0.1 * i;
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        Tensor tx = be.allocate(rows, heads, d), tc = be.allocate(positions, half), ts = be.allocate(positions, half);
        be.upload(tx, x);
        be.upload(tc, cos);
        be.upload(ts, sin);
        for (float sign : new float[] {1f, -1f}) {
            reference(x, rows, heads, d, cos, sin, seqLen, sign);
            if (sign > 0) {
                be.rope(tx, tc, ts, seqLen);
            } else {
                be.ropeBackward(tx, tc, ts, seqLen);
            }
            String what = (sign > 0 ? "rope" : "ropeBackward") + " B=" + batch + " T=" + seqLen + " H=" + heads
                    + " D=" + d + " positions=" + positions + " threads=" + be.threads();
            float[] got = be.downloadFloats(tx);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], got[i], 0f, what + " at " + i);
            }
        }
    }

    @Test
    void matchesTheScalarLoopAtEdgeShapes() {
        long seed = 1;
        for (CpuBackend be : new CpuBackend[] {ONE, TWO}) {
            for (int d : new int[] {2, 6, 10, 16, 32, 34, 48, 64, 66, 128}) {
                for (int seqLen : new int[] {1, 3, 17}) {
                    for (int batch : new int[] {1, 3}) {
                        for (int heads : new int[] {1, 5}) {
                            check(be, batch, seqLen, heads, d, seqLen, seed++);
                        }
                    }
                }
            }
        }
    }

    @Test
    void tablesLongerThanTheSequence() {
        check(TWO, 2, 5, 3, 34, 40, 7);
        check(TWO, 4, 1, 2, 10, 9, 8);
    }

    @Test
    void rowsSplitOverThreadsInsideSequences() {
        // 16K floats per chunk at least: these run in several chunks, whose first rows are mid-sequence
        check(TWO, 3, 301, 4, 10, 301, 11);
        check(TWO, 2, 700, 8, 32, 700, 12);
        check(TWO, 5, 97, 4, 34, 128, 13);
    }

    @Test
    void rejectsTablesThatDoNotFit() {
        Tensor x = TWO.allocate(4, 2, 8);
        assertThrows(IllegalArgumentException.class, () -> TWO.rope(x, TWO.allocate(3, 4), TWO.allocate(3, 4), 4));
        assertThrows(IllegalArgumentException.class, () -> TWO.rope(x, TWO.allocate(4, 3), TWO.allocate(4, 3), 4));
        assertThrows(IllegalArgumentException.class, () -> TWO.rope(x, TWO.allocate(4, 4), TWO.allocate(5, 4), 4));
    }
}
