package dev.redengine.model;

/**
 * Rotary embedding settings. type "default" uses theta alone; "llama3" rescales the low and middle
 * frequency bands (every Llama-3.x checkpoint): factor, low/high frequency factors and the original context
 * length, as in HF's _compute_llama3_parameters.
 */
public record RopeConfig(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
                         int originalMaxPositions) {

    public static RopeConfig defaultRope(double theta) {
        return new RopeConfig("default", theta, 1, 1, 1, 0);
    }

    /** inv_freq[i] for i in [0, headDim/2), rounded to float32 as HF keeps it. */
    public float[] inverseFrequencies(int headDim) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float base = (float) Math.pow(theta, (float) (2 * i) / headDim);
            inv[i] = 1f / base;
        }
        if (type.equals("llama3")) {
            double lowWavelen = originalMaxPositions / lowFreqFactor;
            double highWavelen = originalMaxPositions / highFreqFactor;
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen) {
                    inv[i] = (float) (inv[i] / factor); // low frequencies: fully rescaled
                } else if (wavelen >= highWavelen) {
                    // middle band: interpolate between rescaled and original
                    double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    inv[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
                }
            }
        }
        return inv;
    }

    /** cos and sin tables [positions, headDim/2] (row t holds angles t * inv_freq). */
    public float[][] tables(int positions, int headDim) {
        float[] inv = inverseFrequencies(headDim);
        int half = headDim / 2;
        float[] cos = new float[positions * half], sin = new float[positions * half];
        for (int t = 0; t < positions; t++) {
            for (int i = 0; i < half; i++) {
                float angle = t * inv[i]; // float32 product, as HF computes freqs
                cos[t * half + i] = (float) Math.cos(angle);
                sin[t * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][]{cos, sin};
    }
}
