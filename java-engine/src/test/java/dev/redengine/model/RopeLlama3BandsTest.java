package dev.redengine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama3 RoPE against a plain transcription of HF's _compute_llama3_parameters (torch.where form, double
 * arithmetic on the float32 default frequencies), with settings whose frequencies fall in all three bands
 * (the golden fixture's low_freq_factor = 1 leaves the low edge untested).
 */
class RopeLlama3BandsTest {

    /** HF, line by line: inv_freq_llama = where(wavelen > low_wl, inv/factor, inv); smoothed where medium. */
    private static double[] hf(double theta, int headDim, double factor, double lff, double hff, int orig) {
        int half = headDim / 2;
        double[] out = new double[half];
        double lowWl = orig / lff, highWl = orig / hff;
        for (int i = 0; i < half; i++) {
            // HF: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), float32
            float inv = (float) (1.0 / (float) Math.pow(theta, (float) (2 * i) / headDim));
            double wl = 2 * Math.PI / inv;
            double llama = wl > lowWl ? inv / factor : inv;
            double smooth = (orig / wl - lff) / (hff - lff);
            double smoothed = (1 - smooth) * llama / factor + smooth * llama;
            boolean medium = !(wl < highWl) && !(wl > lowWl);
            out[i] = medium ? smoothed : llama;
        }
        return out;
    }

    @ParameterizedTest(name = "theta {0}, head_dim {1}, factor {2}, low {3}, high {4}, orig {5}")
    @CsvSource({
            "500000, 64, 8, 2, 4, 8192",
            "500000, 128, 8, 1, 4, 8192",
            "10000, 32, 4, 1.5, 6, 512",
            "10000, 16, 2, 0.5, 3, 64",
    })
    void matchesHfInEveryBand(double theta, int headDim, double factor, double lff, double hff, int orig) {
        float[] inv = new RopeConfig("llama3", theta, factor, lff, hff, orig).inverseFrequencies(headDim);
        double[] expected = hf(theta, headDim, factor, lff, hff, orig);
        int low = 0, mid = 0, high = 0;
        for (int i = 0; i < inv.length; i++) {
            assertEquals((float) expected[i], inv[i], Math.ulp((float) expected[i]), "inv_freq[" + i + "]");
            float base = (float) (1.0 / (float) Math.pow(theta, (float) (2 * i) / headDim));
            double wl = 2 * Math.PI / base;
            if (wl > orig / lff) {
                low++;
            } else if (wl < orig / hff) {
                high++;
            } else {
                mid++;
            }
        }
        assertTrue(low > 0 && mid > 0 && high > 0, "bands " + low + "/" + mid + "/" + high);
    }

    /** The three bands by hand at theta 10000, head_dim 8: inv = 1, 0.1, 0.01, 0.001. */
    @Test
    void bandsByHand() {
        // wavelengths 2 pi, 20 pi, 200 pi, 2000 pi; orig 400, low factor 1 -> low wl 400, high factor 4 -> 100
        float[] inv = new RopeConfig("llama3", 10000, 10, 1, 4, 400).inverseFrequencies(8);
        assertEquals(1f, inv[0], 1e-7f);            // high band: unchanged
        assertEquals(0.1f, inv[1], 1e-8f);          // 20 pi = 62.8 < 100: unchanged
        double smooth = (400 / (200 * Math.PI) - 1) / (4 - 1); // 200 pi = 628 > 400: low band
        assertTrue(smooth < 0);
        assertEquals(0.001f, inv[2], 1e-9f);        // 0.01 / 10
        assertEquals(0.0001f, inv[3], 1e-10f);      // 0.001 / 10
        // middle band: orig 2000 -> low wl 2000, high wl 500; 200 pi = 628 is in between
        float[] mid = new RopeConfig("llama3", 10000, 10, 1, 4, 2000).inverseFrequencies(8);
        double s = (2000 / (200 * Math.PI) - 1) / 3;
        assertEquals((float) ((1 - s) * 0.01 / 10 + s * 0.01), mid[2], 1e-9f);
        assertEquals(0.0001f, mid[3], 1e-10f);      // 2000 pi > 2000: low band
    }

    @Test
    void defaultRopeIsThetaPowers() {
        float[] inv = RopeConfig.defaultRope(10000).inverseFrequencies(8);
        assertEquals(4, inv.length);
        double[] expected = {1, 0.1, 0.01, 0.001};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], inv[i], 1e-6 * expected[i]);
        }
    }

    @Test
    void tablesAreCosAndSinOfPositionTimesFrequency() {
        RopeConfig r = new RopeConfig("llama3", 10000, 10, 1, 4, 2000);
        float[] inv = r.inverseFrequencies(8);
        float[][] t = r.tables(5, 8);
        assertEquals(20, t[0].length);
        assertEquals(20, t[1].length);
        for (int p = 0; p < 5; p++) {
            for (int i = 0; i < 4; i++) {
                assertEquals(Math.cos(p * (double) inv[i]), t[0][p * 4 + i], 1e-6);
                assertEquals(Math.sin(p * (double) inv[i]), t[1][p * 4 + i], 1e-6);
            }
        }
    }
}
