package dev.redengine.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The zero-row tolerance of EffectiveRank.prepare (RED): a row equal to the column mean up to float64 round-off
 * is dropped, and a genuine row that is small next to the others is kept. Expected values in closed form.
 */
class EffectiveRankZeroRowTest {

    /** Entropy rank of weights 2/3 and 1/3. */
    private static final double TWO_TO_ONE = Math.exp(-(2.0 / 3 * Math.log(2.0 / 3) + 1.0 / 3 * Math.log(1.0 / 3)));

    /**
     * Rows (+-1e6, 0) and (0, +-1e-7): the column mean is 0, and the small rows' norm 1e-7 is below
     * 1e-12 x 1e6 = 1e-6, so they count as zero rows and are dropped: the two kept rows point along +-x, eRank 1.
     * Kept, they would add an equal y direction (eRank 2).
     */
    @Test
    void rowsBelowTheToleranceAreDropped() {
        float[] x = {1e6f, 0, -1e6f, 0, 0, 1e-7f, 0, -1e-7f};
        Matrix m = new Matrix(x, 4, 2);
        assertEquals(2, EffectiveRank.prepare(m, EffectiveRank.Definition.RED).rows());
        assertEquals(1.0, EffectiveRank.cpu().compute(m), 1e-9);
        // ten times larger (1e-6 x 10 > tolerance): kept, two equal directions
        float[] y = {1e6f, 0, -1e6f, 0, 0, 1e-5f, 0, -1e-5f};
        Matrix k = new Matrix(y, 4, 2);
        assertEquals(4, EffectiveRank.prepare(k, EffectiveRank.Definition.RED).rows());
        assertEquals(2.0, EffectiveRank.cpu().compute(k), 1e-6);
    }

    /**
     * Rows (+-1e6, 0, 0) and (0, 1e-3, 0): the small row is far above 1e-12 x 1e6 = 1e-6 after centring, so it is
     * kept. Normalised, two rows point along x and one along y: eigenvalue weights 2/3 and 1/3.
     */
    @Test
    void aSmallGenuineRowIsKept() {
        float[] x = {1e6f, 0, 0, -1e6f, 0, 0, 0, 1e-3f, 0};
        Matrix m = new Matrix(x, 3, 3);
        assertEquals(3, EffectiveRank.prepare(m, EffectiveRank.Definition.RED).rows());
        double e = EffectiveRank.cpu().compute(m);
        assertEquals(TWO_TO_ONE, e, 1e-6);
        assertNotEquals(1.0, e, 0.5);
    }

    /** Roy-Vetterli drops exact zero rows only: singular values 2 and 1 of diag-like rows. */
    @Test
    void royVetterliDropsOnlyExactZeroRows() {
        float[] x = {2, 0, 0, 0, 0, 0, 0, 1e-30f, 0};
        DoubleMatrix z = EffectiveRank.prepare(new Matrix(x, 3, 3), EffectiveRank.Definition.ROY_VETTERLI);
        assertEquals(2, z.rows());
        assertEquals(2.0, z.data()[0]);
        assertEquals(1e-30f, z.data()[4], 0.0);
    }

    @Test
    void messagesNameTheBatchIndexFromZero() {
        Matrix bad = new Matrix(new float[]{1, Float.NaN, 3, 4}, 2, 2), good = new Matrix(new float[]{1, 2, 3, 4}, 2, 2);
        java.util.List<Matrix> batch = java.util.List.of(bad, good);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EffectiveRank.cpu().computeAll(batch));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("eRank input 0: "), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> EffectiveRank.prepare(bad, EffectiveRank.Definition.RED));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("eRank input: "), e.getMessage());
    }

    /** All zero: the tolerance is 0 and every row is a zero row (not a row of 0 x infinity). */
    @Test
    void anAllZeroMatrixHasNoRedERank() {
        Matrix zero = new Matrix(new float[6], 3, 2);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EffectiveRank.prepare(zero, EffectiveRank.Definition.RED));
        assertEquals("eRank input: RED eRank undefined: all 3 rows are zero after centring (a single token, or identical tokens)",
                e.getMessage());
    }

    @Test
    void doubleMatrixShapes() {
        assertEquals(0, new DoubleMatrix(new double[0], 0, 5).rows());
        assertEquals(0, new DoubleMatrix(new double[0], 5, 0).cols());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new DoubleMatrix(new double[2], 1, 3));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new DoubleMatrix(new double[0], -1, 0));
    }
}
