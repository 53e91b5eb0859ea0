package dev.redengine.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** CalibrationSet: shape checks, defensive copies, the flat layout and value semantics, by hand. */
class CalibrationSetTest {

    @Test
    void shapeChecks() {
        int[][] none = new int[0][];
        assertEquals("a calibration set needs at least one sequence",
                assertThrows(IllegalArgumentException.class, () -> new CalibrationSet(none, "s")).getMessage());
        int[][] empty = {{}};
        assertEquals("calibration sequences must not be empty",
                assertThrows(IllegalArgumentException.class, () -> new CalibrationSet(empty, "s")).getMessage());
        int[][] ragged = {{1, 2}, {3, 4}, {5}};
        assertEquals("calibration sequence 2 has 1 tokens, sequence 0 has 2: all must have the same length",
                assertThrows(IllegalArgumentException.class, () -> new CalibrationSet(ragged, "s")).getMessage());
    }

    @Test
    void copiesInAndOut() {
        int[][] in = {{1, 2, 3}, {4, 5, 6}};
        CalibrationSet s = new CalibrationSet(in, "src");
        in[0][0] = 99;
        assertEquals(1, s.sequence(0)[0]);
        s.sequences()[1][1] = 77;
        s.sequence(1)[1] = 77;
        assertArrayEquals(new int[]{4, 5, 6}, s.sequence(1));
        assertArrayEquals(new int[]{1, 2, 3, 4, 5, 6}, s.flat());
        assertEquals(2, s.numSequences());
        assertEquals(3, s.seqLen());
        assertEquals("CalibrationSet[2 x 3, src]", s.toString());
    }

    @Test
    void valueSemantics() {
        CalibrationSet a = new CalibrationSet(new int[][]{{1, 2}, {3, 4}}, "x");
        CalibrationSet b = new CalibrationSet(new int[][]{{1, 2}, {3, 4}}, "x");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new CalibrationSet(new int[][]{{1, 2}, {3, 5}}, "x"));
        assertNotEquals(a, new CalibrationSet(new int[][]{{1, 2}, {3, 4}}, "y"));
        assertNotEquals(a.hashCode(), new CalibrationSet(new int[][]{{1, 2}, {3, 4}}, "y").hashCode());
        assertNotEquals(a, "x");
    }
}
