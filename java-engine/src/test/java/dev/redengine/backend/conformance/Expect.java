package dev.redengine.backend.conformance;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Comparisons of a backend's float32 results with double-precision references. Tolerances are stated by the
 * callers as element-wise bounds derived from float32 rounding: {@link #U} is the unit roundoff, and a sum of
 * n terms computed in float32 in any order (serial, blocked, tree, with or without FMA) is within
 * about n U sum|terms| of the exact sum.
 */
public final class Expect {
    /** Unit roundoff of float32 (half an ulp of 1). */
    public static final double U = 0x1p-24;

    private Expect() {
    }

    /**
     * got[i] == (float) want[i] for every i (+0 and -0 count as equal, NaN only matches NaN). For results of single
     * IEEE-754 operations (+, *, copies), which every conforming float32 implementation rounds the same way.
     */
    public static void exact(String what, double[] want, float[] got) {
        sameLength(what, want, got);
        int bad = 0, first = -1;
        for (int i = 0; i < want.length; i++) {
            float w = (float) want[i];
            boolean ok = Float.isNaN(w) ? Float.isNaN(got[i]) : got[i] == w;
            if (!ok) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + want.length + " elements differ; first at [" + first + "]: want "
                    + (float) want[first] + ", got " + got[first]);
        }
    }

    /** |got[i] - want[i]| <= tol[i] for every i; NaN or infinity in got fails unless want is the same. */
    public static void within(String what, double[] want, float[] got, double[] tol) {
        sameLength(what, want, got);
        if (tol.length != want.length) {
            throw new IllegalArgumentException(what + ": " + tol.length + " tolerances for " + want.length + " values");
        }
        int bad = 0, worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < want.length; i++) {
            double diff = Math.abs(got[i] - want[i]);
            boolean ok = diff <= tol[i] || (got[i] == want[i]); // the second covers equal infinities
            if (!ok) {
                bad++;
                double ratio = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / tol[i];
                if (worst < 0 || ratio > worstRatio) {
                    worst = i;
                    worstRatio = ratio;
                }
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + want.length + " elements outside tolerance; worst at [" + worst + "]: want "
                    + want[worst] + ", got " + got[worst] + ", |diff| " + Math.abs(got[worst] - want[worst])
                    + " > tol " + tol[worst]);
        }
    }

    /** One value. */
    public static void within(String what, double want, double got, double tol) {
        if (!(Math.abs(got - want) <= tol)) {
            fail(what + ": want " + want + ", got " + got + ", |diff| " + Math.abs(got - want) + " > tol " + tol);
        }
    }

    /** Bit-for-bit equality, for data that must pass through unchanged. */
    public static void same(String what, float[] want, float[] got) {
        if (want.length != got.length) {
            fail(what + ": length " + got.length + ", want " + want.length);
        }
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ": element [" + i + "] is " + got[i] + ", want " + want[i] + " (bit for bit)");
            }
        }
    }

    private static void sameLength(String what, double[] want, float[] got) {
        if (want.length != got.length) {
            fail(what + ": " + got.length + " values, want " + want.length);
        }
    }
}
