package dev.redengine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LossMask keeps exactly the targets in the span that starts at its marker, within each row. */
class LossMaskTest {
    private static final int X = LossMask.IGNORED;
    @Test
    void keepsOnlyTheTokenAfterTheMarkerWithinARow() {
        // two rows of 5; marker 9; row 0 "1 9 4 2 9": the 9 at t=4 is last in its row, so it predicts nothing;
        // row 1 "9 9 3 9 5": a marker after a marker predicts it
        int[] ids = {1, 9, 4, 2, 9, 9, 9, 3, 9, 5};
        assertArrayEquals(new int[]{X, 4, X, X, X, 9, 3, X, 5, X}, LossMask.after(9).targets(ids, 2, 5));
        assertEquals(4, LossMask.after(9).counted(ids, 2, 5));
        assertArrayEquals(new int[]{9, 4, 2, 9, X, 9, 3, 9, 5, X}, LossMask.ALL.targets(ids, 2, 5));
        assertEquals(8, LossMask.ALL.counted(ids, 2, 5));
        assertEquals(0, LossMask.after(7).counted(ids, 2, 5));
        // span 2: the marker's prediction and the next one; a row's last position still predicts nothing, and a
        // span does not run on into the next row
        assertArrayEquals(new int[]{X, 4, 2, X, X, 9, 3, 9, 5, X}, LossMask.after(9, 2).targets(ids, 2, 5));
        assertArrayEquals(new boolean[]{false, true, true, false, true, true, true, true, true, true},
                LossMask.after(9, 2).positions(ids, 2, 5));
        assertArrayEquals(new int[]{X, 4, 2, 9, X, 9, 3, 9, 5, X}, LossMask.after(9, 3).targets(ids, 2, 5));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void allIsTheShiftedTargetsAndAMarkerOnlyIgnoresMore(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int batch = 1 + rng.nextInt(4), seqLen = 1 + rng.nextInt(9), marker = rng.nextInt(5);
        int[] ids = rng.ints((long) batch * seqLen, 0, 5).toArray();
        int[] all = LossMask.ALL.targets(ids, batch, seqLen), masked = LossMask.after(marker).targets(ids, batch, seqLen);
        assertArrayEquals(CausalLM.shiftedTargets(ids, batch, seqLen), all);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(ids[i] == marker ? all[i] : X, masked[i], "position " + i);
        }
        // a span of s keeps position t when a marker stands at t - k, 0 <= k < s, in the same row
        int span = 1 + rng.nextInt(3);
        int[] spanned = LossMask.after(marker, span).targets(ids, batch, seqLen);
        for (int i = 0; i < ids.length; i++) {
            boolean near = false;
            for (int k = 0; k < span && k <= i % seqLen; k++) {
                near |= ids[i - k] == marker;
            }
            assertEquals(near ? all[i] : X, spanned[i], "span " + span + ", position " + i);
        }
    }

    @Test
    void refusesNegativeMarkersAndWrongLengths() {
        assertThrows(IllegalArgumentException.class, () -> LossMask.after(-1));
        assertThrows(IllegalArgumentException.class, () -> new LossMask(-2, 1));
        assertThrows(IllegalArgumentException.class, () -> LossMask.after(3, 0));
        var e = assertThrows(IllegalArgumentException.class, () -> LossMask.ALL.targets(new int[5], 2, 3));
        assertTrue(e.getMessage().contains("5 tokens, not batch 2 x seqLen 3"), e.getMessage());
        assertFalse(LossMask.ALL.masksAnything());
        assertTrue(LossMask.after(0).masksAnything());
    }
}
