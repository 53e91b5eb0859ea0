package dev.redengine.data;

import dev.redengine.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fromSafetensors at its bounds: all rows and columns, N = S and T = T0 exactly, ids 0 and V - 1, counts >= 1. */
class CalibrationBoundsTest {
    @TempDir
    Path tmp;

    private Path ids(int[] v, long... shape) throws Exception {
        Path f = tmp.resolve("ids.safetensors");
        new SafetensorsWriter().addI32("input_ids", v, shape).write(f);
        return f;
    }

    @Test
    void exactBoundsAreAccepted() throws Exception {
        Path f = ids(new int[]{0, 1, 9, 2, 3, 4}, 2, 3);
        CalibrationSet all = CalibrationLoader.fromSafetensors(f, 10, 2, 3);
        assertArrayEquals(new int[][]{{0, 1, 9}, {2, 3, 4}}, all.sequences());
        assertEquals(f + ": input_ids, all of 2 x 3", all.source());
        CalibrationSet some = CalibrationLoader.fromSafetensors(f, 10, 1, 3);
        assertEquals(f + ": input_ids, first 1 x 3 of 2 x 3", some.source());
        CalibrationSet shorter = CalibrationLoader.fromSafetensors(f, 10, 2, 2);
        assertEquals(f + ": input_ids, first 2 x 2 of 2 x 3", shorter.source());
        assertArrayEquals(new int[][]{{0, 1}, {2, 3}}, shorter.sequences());
    }

    @Test
    void outOfBoundsAreRefused() throws Exception {
        Path f = ids(new int[]{0, 1, 9, 2, 3, 4}, 2, 3);
        assertEquals(f + ": --samples 3 asks for more sequences than input_ids has (S = 2)",
                assertThrows(CalibrationException.class, () -> CalibrationLoader.fromSafetensors(f, 10, 3, null)).getMessage());
        assertTrue(assertThrows(CalibrationException.class, () -> CalibrationLoader.fromSafetensors(f, 10, null, 4))
                .getMessage().startsWith(f + ": --seq-len 4 is longer than the sequences in input_ids (T = 3)"));
        assertEquals(f + ": input_ids[0, 2] = 9 is outside [0, 9) (the model's vocab_size)",
                assertThrows(CalibrationException.class, () -> CalibrationLoader.fromSafetensors(f, 9, null, null)).getMessage());
        assertEquals("--samples must be positive, got 0",
                assertThrows(CalibrationException.class, () -> CalibrationLoader.fromSafetensors(f, 10, 0, null)).getMessage());
        assertEquals("--seq-len must be positive, got 0",
                assertThrows(CalibrationException.class, () -> CalibrationLoader.fromSafetensors(f, 10, null, 0)).getMessage());
        Path neg = ids(new int[]{-1, 1}, 2);
        assertEquals(neg + ": input_ids[0, 0] = -1 is outside [0, 10) (the model's vocab_size)",
                assertThrows(CalibrationException.class, () -> CalibrationLoader.fromSafetensors(neg, 10, null, null)).getMessage());
    }
}
