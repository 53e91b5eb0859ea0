package dev.redengine.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class TokenDistinguishabilityTest {

    @Test
    void identicalRowsGiveOneOrthogonalRowsGiveZero() {
        float[] same = new float[5 * 3];
        for (int i = 0; i < 5; i++) {
            same[i * 3] = 1;
            same[i * 3 + 1] = -2;
            same[i * 3 + 2] = 0.5f * (i + 1) / (i + 1);
        }
        assertEquals(1.0, TokenDistinguishability.meanPairwiseCosine(new Matrix(same, 5, 3)), 1e-12);
        float[] eye = new float[4 * 4];
        for (int i = 0; i < 4; i++) {
            eye[i * 4 + i] = i + 1;
        }
        assertEquals(0.0, TokenDistinguishability.meanPairwiseCosine(new Matrix(eye, 4, 4)), 1e-12);
        // positively scaled copies are the same direction
        float[] scaled = {1, 2, 2, 4, 3, 6};
        assertEquals(1.0, TokenDistinguishability.meanPairwiseCosine(new Matrix(scaled, 3, 2)), 1e-12);
        // opposite pair
        assertEquals(-1.0, TokenDistinguishability.meanPairwiseCosine(new Matrix(new float[] {1, 0, -2, 0}, 2, 2)),
                1e-12);
    }

    @Test
    void matchesBruteForcePairs() {
        Random r = new Random(11);
        int n = 37, d = 19;
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() + 0.3);
        }
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double dot = 0, ni = 0, nj = 0;
                for (int k = 0; k < d; k++) {
                    dot += (double) x[i * d + k] * x[j * d + k];
                    ni += (double) x[i * d + k] * x[i * d + k];
                    nj += (double) x[j * d + k] * x[j * d + k];
                }
                sum += dot / Math.sqrt(ni * nj);
                pairs++;
            }
        }
        assertEquals(sum / pairs, TokenDistinguishability.meanPairwiseCosine(new Matrix(x, n, d)), 1e-12);
    }

    @Test
    void zeroRowsAreSkippedAndDegenerateInputThrows() {
        float[] x = {1, 0, 0, 0, 0, 1, 0, 0};
        assertEquals(0.0, TokenDistinguishability.meanPairwiseCosine(new Matrix(x, 4, 2)), 1e-12);
        float[] oneRow = {0, 0, 3, 4};
        Matrix one = new Matrix(oneRow, 2, 2);   // built outside the lambdas: only the call under test may throw
        assertThrows(IllegalArgumentException.class, () -> TokenDistinguishability.meanPairwiseCosine(one));
        float[] nan = {1, 2, Float.NaN, 4};
        Matrix withNaN = new Matrix(nan, 2, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> TokenDistinguishability.meanPairwiseCosine(withNaN));
        assertTrue(e.getMessage().contains("row 1, col 0"), e.getMessage());
    }

    @Test
    void rms() {
        assertEquals(Math.sqrt(7.5), new Matrix(new float[] {1, 2, 3, 4}, 2, 2).rms(), 1e-12);
        assertEquals(0.0, new Matrix(new float[6], 2, 3).rms());
        Matrix empty = new Matrix(new float[0], 0, 3);
        assertThrows(IllegalArgumentException.class, empty::rms);
        float[] inf = new float[4];
        Arrays.fill(inf, Float.POSITIVE_INFINITY);
        Matrix infinite = new Matrix(inf, 2, 2);
        assertThrows(IllegalArgumentException.class, infinite::rms);
    }
}
