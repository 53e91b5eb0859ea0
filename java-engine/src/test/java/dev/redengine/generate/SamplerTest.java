package dev.redengine.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The sampling distribution against hand-computed softmax values, and the settings' checks. */
class SamplerTest {
    // logits whose softmax at T = 1 is exactly proportional to 8 : 4 : 2 : 1 (ln 8, ln 4, ln 2, 0)
    static final float[] LOGITS = {(float) Math.log(2), 0f, (float) Math.log(8), (float) Math.log(4)};

    @Test
    void fullSoftmaxAtTemperatureOne() {
        double[] p = Sampler.probabilities(LOGITS, new SamplingSettings(1, 0, 1, 0));
        assertArrayEquals(new double[]{2 / 15.0, 1 / 15.0, 8 / 15.0, 4 / 15.0}, p, 1e-6);
    }

    @Test
    void temperatureTwoTakesSquareRoots() {
        double[] p = Sampler.probabilities(LOGITS, new SamplingSettings(2, 0, 1, 0));
        double z = Math.sqrt(2) + 1 + Math.sqrt(8) + 2;
        assertArrayEquals(new double[]{Math.sqrt(2) / z, 1 / z, Math.sqrt(8) / z, 2 / z}, p, 1e-6);
    }

    @Test
    void topKKeepsTheKMostLikely() {
        double[] p = Sampler.probabilities(LOGITS, new SamplingSettings(1, 2, 1, 0));
        assertArrayEquals(new double[]{0, 0, 8 / 12.0, 4 / 12.0}, p, 1e-6);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // 8/15 = 0.533 < 0.6, so the nucleus needs the second token too (8/15 + 4/15 = 0.8)
        assertArrayEquals(new double[]{0, 0, 8 / 12.0, 4 / 12.0}, Sampler.probabilities(LOGITS, new SamplingSettings(1, 0, 0.6, 0)), 1e-6);
        assertArrayEquals(new double[]{0, 0, 1, 0}, Sampler.probabilities(LOGITS, new SamplingSettings(1, 0, 0.5, 0)), 1e-6);
    }

    @Test
    void samplingFollowsTheDistribution() {
        Sampler s = new Sampler(new SamplingSettings(1, 0, 1, 5));
        int[] counts = new int[4];
        int n = 30000;
        for (int i = 0; i < n; i++) {
            counts[s.next(LOGITS)]++;
        }
        double[] want = {2 / 15.0, 1 / 15.0, 8 / 15.0, 4 / 15.0};
        for (int i = 0; i < 4; i++) {
            // 5 standard deviations of a binomial proportion at n = 30000
            double sd = Math.sqrt(want[i] * (1 - want[i]) / n);
            assertEquals(want[i], counts[i] / (double) n, 5 * sd, "token " + i);
        }
    }

    @Test
    void greedyTakesTheLowestIdOnTies() {
        assertEquals(1, Sampler.argmax(new float[]{0f, 3f, Float.NaN, 3f}));
        assertEquals(2, new Sampler(SamplingSettings.GREEDY).next(LOGITS));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingSettings(1, 0, 1.5, 0));
    }
}
