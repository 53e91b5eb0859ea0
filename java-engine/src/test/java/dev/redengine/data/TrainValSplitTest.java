package dev.redengine.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TrainValSplit}: sizes, a partition of the sequences, determinism by seed, and refusals. */
class TrainValSplitTest {
    /** Sequence s holds the tokens s*T .. s*T+T-1, so every sequence is recognisable by its first token. */
    private static CalibrationSet numbered(int n, int t) {
        int[][] seqs = new int[n][t];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < t; i++) {
                seqs[s][i] = s * t + i;
            }
        }
        return new CalibrationSet(seqs, "test");
    }

    @ParameterizedTest(name = "N={0} fraction={1} B={2} -> {3} held out")
    @CsvSource({"100,0.1,4,8", "100,0.1,5,10", "20,0.5,3,9", "50,0,4,0", "10,0.25,2,2"})
    void holdsOutWholeBatchesAndPartitionsTheSequences(int n, double fraction, int batch, int held) {
        int t = 3;
        TrainValSplit s = TrainValSplit.of(numbered(n, t), fraction, 7, batch, 1);
        assertEquals(held / batch, s.validation().size());
        assertEquals(n - held, s.train().length);
        Set<Integer> seen = new HashSet<>();
        for (int[] ids : s.validation()) {
            assertEquals(batch * t, ids.length);
            for (int b = 0; b < batch; b++) {
                assertTrue(seen.add(ids[b * t] / t));
                assertArrayEquals(numbered(n, t).sequence(ids[b * t] / t), Arrays.copyOfRange(ids, b * t, b * t + t));
            }
        }
        for (int[] seq : s.train()) {
            assertTrue(seen.add(seq[0] / t), "sequence " + seq[0] / t + " in both parts or twice");
        }
        assertEquals(n, seen.size());
        assertEquals(batch * t, s.erankBatch().length);
    }

    @Test
    void theSeedChoosesTheSplitAndFixesIt() {
        TrainValSplit a = TrainValSplit.of(numbered(40, 2), 0.25, 1, 2, 1), b = TrainValSplit.of(numbered(40, 2), 0.25, 1, 2, 1);
        TrainValSplit c = TrainValSplit.of(numbered(40, 2), 0.25, 2, 2, 1);
        assertArrayEquals(a.validation().getFirst(), b.validation().getFirst());
        assertArrayEquals(a.erankBatch(), a.validation().getFirst());
        assertFalse(Arrays.equals(a.validation().getFirst(), c.validation().getFirst()));
    }

    @Test
    void tooFewSequencesAreRefusedByName() {
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> TrainValSplit.of(numbered(10, 2), 0.1, 0, 4, 1));
        assertTrue(v.getMessage().contains("--val-fraction"), v.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> TrainValSplit.of(numbered(10, 2), 0.5, 0, 2, 4));
        assertTrue(t.getMessage().contains("fewer than --batch x --grad-accum = 8"), t.getMessage());
    }
}
