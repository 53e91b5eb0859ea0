package dev.redengine.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** LrSchedule by hand, and DataOrder against a plain Fisher-Yates and its epoch/resume contract. */
class ScheduleAndOrderTest {

    @Test
    void scheduleByHand() {
        LrSchedule s = new LrSchedule(1.0, 4, 14, 0.1);
        assertEquals(0.25f, s.at(1));
        assertEquals(0.5f, s.at(2));
        assertEquals(1.0f, s.at(4));
        // decay over the 10 steps after warmup to 0.1 at step 14: 1 - 0.9 * k / 10
        assertEquals(1 - 0.9 * 0.1, s.at(5), 1e-7);
        assertEquals(1 - 0.9 * 0.5, s.at(9), 1e-7);
        assertEquals(0.1, s.at(14), 1e-7);
        assertEquals(0.1, s.at(20), 1e-7);  // past the end: stays at the floor
        LrSchedule none = new LrSchedule(2.0, 0, 4, 0.0);
        assertEquals(2 * (1 - 0.25), none.at(1), 1e-7);
        assertEquals(0.0, none.at(4), 1e-7);
        LrSchedule allWarm = new LrSchedule(1.0, 3, 3, 0.5);
        assertEquals(1.0f, allWarm.at(3));
        assertEquals(1 / 3.0, allWarm.at(1), 1e-7);
        LrSchedule oneWarm = new LrSchedule(3.0, 1, 1, 0.0);
        assertEquals(3.0f, oneWarm.at(1));
    }

    @ParameterizedTest(name = "peak {0}, warmup {1}, steps {2}, floor {3}")
    @CsvSource({"0, 0, 10, 0", "-1, 0, 10, 0", "1, -1, 10, 0", "1, 0, 0, 0", "1, 0, -3, 0", "1, 0, 10, -0.1", "1, 0, 10, 1.1"})
    void invalidSchedules(double peak, int warmup, int steps, double floor) {
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(peak, warmup, steps, floor));
    }

    @Test
    void validEdgesOfASchedule() {
        assertEquals(0.5f, new LrSchedule(0.5, 0, 1, 1.0).at(1));
        assertEquals(0f, new LrSchedule(0.5, 0, 1, 0.0).at(1));
    }

    private static int[] fisherYates(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    @ParameterizedTest(name = "n {0}")
    @ValueSource(ints = {1, 2, 7, 16})
    void epochsAreSeededPermutations(int n) {
        long seed = 42;
        DataOrder o = new DataOrder(n, seed);
        int step = 1;
        int[] first = new int[n];
        for (int i = 0; i < n; i++) {
            first[i] = o.next(step++);
        }
        assertArrayEquals(fisherYates(n, seed), first);
        assertEquals(new DataOrder.Position(seed, n), o.position());
        // the next epoch is shuffled with seed + the step that starts it
        long nextSeed = seed + step;
        int[] second = new int[n];
        for (int i = 0; i < n; i++) {
            second[i] = o.next(step++);
        }
        assertArrayEquals(fisherYates(n, nextSeed), second);
        int[] sorted = second.clone();
        Arrays.sort(sorted);
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        assertArrayEquals(all, sorted);
    }

    @Test
    void resumingFromAPositionReadsWhatTheUninterruptedRunReads() {
        DataOrder a = new DataOrder(5, 9);
        int[] straight = new int[13];
        DataOrder.Position at = null;
        for (int s = 1; s <= 13; s++) {
            straight[s - 1] = a.next(s);
            if (s == 7) {
                at = a.position();
            }
        }
        DataOrder b = new DataOrder(5, 9, at);
        for (int s = 8; s <= 13; s++) {
            assertEquals(straight[s - 1], b.next(s), "step " + s);
        }
    }

    @Test
    void positionBounds() {
        DataOrder.Position end = new DataOrder.Position(3, 4);
        DataOrder atEnd = new DataOrder(4, 3, end);  // cursor == n: the epoch is spent, the next call reshuffles
        assertEquals(fisherYates(4, 3 + 10)[0], atEnd.next(10));
        DataOrder.Position past = new DataOrder.Position(3, 5), negative = new DataOrder.Position(3, -1);
        assertEquals("data order over 4 sequences cannot stand at 5",
                assertThrows(IllegalArgumentException.class, () -> new DataOrder(4, 3, past)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DataOrder(4, 3, negative));
        assertThrows(IllegalArgumentException.class, () -> new DataOrder(0, 3));
        assertEquals(0, new DataOrder(1, 3).next(1));
    }
}
