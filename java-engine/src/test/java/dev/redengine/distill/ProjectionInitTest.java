package dev.redengine.distill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The three projection inits against their definitions: moments, orthonormal columns, the selection matrix. */
class ProjectionInitTest {

    @Test
    void randomHasTheStandardDeviationAsked() {
        float[] p = new float[400 * 100];
        new ProjectionInit.Random(0.5).fill(p, 400, 100, new SplittableRandom(1));
        double s = 0, s2 = 0;
        for (float v : p) {
            s += v;
            s2 += (double) v * v;
        }
        assertEquals(0, s / p.length, 0.01);
        assertEquals(0.5, Math.sqrt(s2 / p.length), 0.01);
        assertEquals(0.02, ProjectionInit.Random.LRC.std());
    }

    @ParameterizedTest(name = "d {0}, d' {1}")
    @CsvSource({"8, 3", "16, 16", "33, 5"})
    void orthogonalColumnsAreOrthonormal(int d, int dp) {
        float[] p = new float[d * dp];
        new ProjectionInit.Orthogonal().fill(p, d, dp, new SplittableRandom(d + dp));
        for (int a = 0; a < dp; a++) {
            for (int b = 0; b < dp; b++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) p[i * dp + a] * p[i * dp + b];
                }
                assertEquals(a == b ? 1 : 0, dot, 1e-6, "column " + a + " . column " + b);
            }
        }
    }

    @Test
    void selectionIsOneAtEachKeptChannel() {
        float[] p = new float[5 * 3];
        java.util.Arrays.fill(p, 7f);
        new ProjectionInit.Selection(new int[]{0, 2, 4}).fill(p, 5, 3, null);
        assertArrayEquals(new float[]{
                1, 0, 0,
                0, 0, 0,
                0, 1, 0,
                0, 0, 0,
                0, 0, 1}, p);
    }

    @Test
    void selectionRefusesBadChannels() {
        float[] p = new float[4 * 2];
        ProjectionInit.Selection tooMany = new ProjectionInit.Selection(new int[]{0, 1, 2});
        assertEquals("3 channels selected for a width of 2",
                assertThrows(IllegalArgumentException.class, () -> tooMany.fill(p, 4, 2, null)).getMessage());
        ProjectionInit.Selection high = new ProjectionInit.Selection(new int[]{0, 4});
        assertEquals("channel 4 outside [0, 4)", assertThrows(IllegalArgumentException.class, () -> high.fill(p, 4, 2, null)).getMessage());
        ProjectionInit.Selection negative = new ProjectionInit.Selection(new int[]{-1, 3});
        assertEquals("channel -1 outside [0, 4)", assertThrows(IllegalArgumentException.class, () -> negative.fill(p, 4, 2, null)).getMessage());
        new ProjectionInit.Selection(new int[]{0, 3}).fill(p, 4, 2, null);
        assertEquals(1f, p[0]);
        assertEquals(1f, p[3 * 2 + 1]);
    }
}
