package dev.redengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp(x) in float32, the same bits in every JIT state and in vector lanes and scalar tails alike. The Vector
 * API's EXP is a library call (SVML) once C2 compiles it and a per-lane Math.exp before, and the two differ by
 * about an ulp, so a training run could not be repeated bit for bit. This one uses only operations that Java
 * specifies exactly (fma, multiply and add correctly rounded, min/max, integer arithmetic on the bits), so the
 * interpreter, C1 and C2 and the vector and scalar forms all give the same result.
 *
 * <p>Method: x below -104 (-Inf included) gives 0 (e^-104 is under half the smallest subnormal); those lanes
 * compute e^0 and are replaced by 0 at the end, because letting the product underflow to 0 costs a microcode
 * assist on x86 (about 500 cycles per vector: attention's causal mask is -Inf). x is clamped to 89 above
 * (e^89 overflows to +Inf, which the final multiplication produces by itself); NaN passes through. k = round(x / ln2) to nearest even,
 * read from the low bits of fma(x, log2(e), 1.5 * 2^23); r = x - k ln2 with ln2 in two parts (Cody-Waite):
 * LN2_HI is the float nearest ln2, so with |k| <= 150 the first fma is exact, and LN2_LO is the rest. On
 * |r| <= ln2/2, e^r is a degree-6 polynomial (coefficients below; its own error is 0.03 ulp) by Horner's rule
 * with fma. Then 2^k, as 2^(k >> 1) * 2^(k - (k >> 1)), two normal floats built from
 * their exponent bits, so results in the subnormal range are rounded once, correctly, in the last
 * multiplication (subnormals are kept, not flushed). Measured against Math.exp in double: at most 1 ulp over
 * [-104, 89] (ExpTest).
 */
public final class Exp {
    /** ln 2 rounded to double (bits 0x3FE62E42FEFA39EF). */
    private static final double LN2 = 0.6931471805599453;
    /** log2(e) = 1 / ln2, rounded to float. */
    private static final float LOG2E = (float) (1.0 / LN2);
    /** The float nearest ln2: k LN2_HI is exact in an fma and x - k LN2_HI needs at most 24 bits for |k| <= 150. */
    private static final float LN2_HI = (float) LN2;
    /** ln2 - LN2_HI, exact in double (Sterbenz), then rounded to float. */
    private static final float LN2_LO = (float) (LN2 - LN2_HI);
    /** 1.5 * 2^23: adding it rounds to an integer, which lands in the low mantissa bits. */
    private static final float SHIFTER = 12582912f;
    private static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    /**
     * e^r ~ 1 + r + C2 r^2 + ... + C6 r^6 on |r| <= ln2/2: 1 and r exact, C2..C6 fitted to the least maximum
     * relative error (3.8e-9, 0.03 x 2^-23, with these float values) by tools/exp_coefficients.py, which prints
     * these bits. Taylor's 1/n! would need degree 7 for the same accuracy (degree 6 leaves 1.6e-7).
     */
    private static final float C2 = Float.intBitsToFloat(0x3efffffe), C3 = Float.intBitsToFloat(0x3e2aaa49),
            C4 = Float.intBitsToFloat(0x3d2aac79), C5 = Float.intBitsToFloat(0x3c091cf1),
            C6 = Float.intBitsToFloat(0x3ab5121a);
    /** e^-104 is under half the smallest subnormal (2^-150), so it rounds to 0: below it, 0 without computing. */
    private static final float LO = -104f;
    /** e^89 is over Float.MAX_VALUE, so it overflows to +Inf. */
    private static final float HI = 89f;

    private Exp() {
    }

    /** e^x, lane by lane the same bits as {@link #exp(float)}. */
    public static FloatVector exp(FloatVector x) {
        var sp = x.species();
        VectorMask<Float> zero = x.lt(LO);
        FloatVector xc = x.min(HI).blend(0f, zero);
        FloatVector t = xc.fma(LOG2E, SHIFTER);
        FloatVector kf = t.sub(SHIFTER);
        FloatVector r = kf.fma(FloatVector.broadcast(sp, -LN2_HI), xc);
        r = kf.fma(FloatVector.broadcast(sp, -LN2_LO), r);
        FloatVector p = r.fma(C6, C5);
        p = p.fma(r, FloatVector.broadcast(sp, C4));
        p = p.fma(r, FloatVector.broadcast(sp, C3));
        p = p.fma(r, FloatVector.broadcast(sp, C2));
        FloatVector one = FloatVector.broadcast(sp, 1f);
        p = p.fma(r, one);
        p = p.fma(r, one);
        // u = k + 254, so that u >> 1 = (k >> 1) + 127 and u - (u >> 1) = k - (k >> 1) + 127: both biased
        // exponents straight from t's bits, without separate subtractions and bias additions
        IntVector u = t.reinterpretAsInts().sub(SHIFTER_BITS - 254);
        IntVector e1 = u.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = e1.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = u.sub(e1).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2).blend(0f, zero);
    }

    /** e^x, the scalar form of {@link #exp(FloatVector)}, operation for operation. */
    public static float exp(float x) {
        boolean zero = x < LO;
        float xc = zero ? 0f : Math.min(x, HI);
        float t = Math.fma(xc, LOG2E, SHIFTER);
        float kf = t - SHIFTER;
        float r = Math.fma(kf, -LN2_HI, xc);
        r = Math.fma(kf, -LN2_LO, r);
        float p = Math.fma(r, C6, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int u = Float.floatToRawIntBits(t) - (SHIFTER_BITS - 254);
        int e1 = u >> 1;
        float s1 = Float.intBitsToFloat(e1 << 23);
        float s2 = Float.intBitsToFloat((u - e1) << 23);
        return zero ? 0f : p * s1 * s2;
    }
}
