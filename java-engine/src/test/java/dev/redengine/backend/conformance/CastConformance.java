package dev.redengine.backend.conformance;

import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code cast} between the float dtypes F32, BF16 and F16, bit for bit: narrowing rounds to nearest, ties to
 * even (IEEE 754), overflowing to infinity at half an ulp above the largest finite value and underflowing
 * gradually to subnormal halves; widening is exact; equal dtypes copy. A NaN must stay a NaN (its payload is
 * not specified). The references are independent of any backend: BF16 by choosing the nearer of the two
 * truncation candidates in double, F16 by the JDK's {@link Float#floatToFloat16} / {@link Float#float16ToFloat}.
 *
 * <p>Sources: float32 inputs mix random bit patterns (NaN, subnormals, infinities included), wide magnitudes,
 * values in the F16 range down to its subnormals, and the rounding edge cases (ties, the overflow thresholds);
 * 16-bit inputs are the patterns {@code i * 40503 + seed} mod 2^16 (a bijection), so n = 65536 is every pattern.
 */
public abstract class CastConformance extends BackendConformance {

    static List<Arguments> cases() {
        DType[][] pairs = {{DType.F32, DType.BF16}, {DType.BF16, DType.F32}, {DType.F32, DType.F16}, {DType.F16, DType.F32},
                {DType.BF16, DType.F16}, {DType.F16, DType.BF16}, {DType.F32, DType.F32}, {DType.BF16, DType.BF16}};
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (DType[] p : pairs) {
            for (int n : new int[]{1, 33, 1000, 65536}) {
                cases.add(Arguments.of(p[0], p[1], n, seed++));
            }
        }
        return cases;
    }

    /** Float32 values where the roundings differ: ties, thresholds of overflow and underflow, specials. */
    private static final int[] EDGE_BITS = {
            0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, // zeros, infinities, NaNs
            0x3f808000, 0x3f818000, 0x3f808001, 0xbf818000, 0x7f7fffff, 0x7f7f7fff, 0x7f7f8000, // bf16 ties, overflow
            Float.floatToRawIntBits(65504f), Float.floatToRawIntBits(65519.996f), Float.floatToRawIntBits(65520f),
            Float.floatToRawIntBits(0x1p-24f), Float.floatToRawIntBits(0x1p-25f), Float.floatToRawIntBits(0x1.000002p-25f),
            Float.floatToRawIntBits(0x1.8p-24f), Float.floatToRawIntBits(0x1.8p-23f), Float.floatToRawIntBits(0x1.ffcp-15f),
            Float.floatToRawIntBits(0x1.ffep-15f), Float.floatToRawIntBits(1.0009766f), Float.floatToRawIntBits(1.00048828125f),
            0x00000001, 0x807fffff, 0x00800000};

    private static float[] floatSource(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 3) {
                case 0 -> Float.intBitsToFloat(rng.nextInt());
                case 1 -> (float) ((rng.nextDouble() + 0.5) * Math.scalb(1.0, rng.nextInt(-40, 41)) * (rng.nextBoolean() ? 1 : -1));
                default -> (float) ((rng.nextDouble() * 2 - 1) * Math.scalb(1.0, rng.nextInt(-26, 17)));
            };
        }
        for (int i = 0; i < EDGE_BITS.length && i < n; i++) {
            x[n - 1 - i] = Float.intBitsToFloat(EDGE_BITS[i]);
        }
        return x;
    }

    private static short[] halfSource(int n, long seed) {
        short[] h = new short[n];
        for (int i = 0; i < n; i++) {
            h[i] = (short) (i * 40503L + seed);
        }
        return h;
    }

    /** The BF16 nearest to v, ties to even, by comparing the two truncation candidates in double. */
    static short bf16Reference(float v) {
        if (Float.isNaN(v)) {
            return (short) 0x7fc0;
        }
        if (Float.isInfinite(v)) {
            return (short) (Float.floatToRawIntBits(v) >>> 16);
        }
        int bits = Float.floatToRawIntBits(v), lo = bits & 0xffff0000, hi = lo + 0x10000;
        double down = Math.abs((double) Float.intBitsToFloat(lo));
        // the candidate above the largest finite value is infinity, which rounds as if it were 2^128
        double up = ((hi >>> 23) & 0xff) == 0xff ? 0x1p128 : Math.abs((double) Float.intBitsToFloat(hi));
        double a = Math.abs((double) v);
        if (a - down < up - a || (a - down == up - a && ((lo >>> 16) & 1) == 0)) {
            return (short) (lo >>> 16);
        }
        return (short) (hi >>> 16);
    }

    private static float widen(DType dtype, short h) {
        return dtype == DType.BF16 ? Float.intBitsToFloat((h & 0xffff) << 16) : Float.float16ToFloat(h);
    }

    private static short narrow(DType dtype, float v) {
        return dtype == DType.BF16 ? bf16Reference(v) : Float.floatToFloat16(v);
    }

    @ParameterizedTest(name = "{0} -> {1} n={2}")
    @MethodSource("cases")
    void castRoundsToNearestEven(DType from, DType to, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];  // the source's values, widened
        short[] srcHalves = null;
        Tensor src;
        if (from == DType.F32) {
            x = floatSource(rng, n);
            src = upload(x, n);
        } else {
            srcHalves = halfSource(n, seed);
            for (int i = 0; i < n; i++) {
                x[i] = widen(from, srcHalves[i]);
            }
            src = HostIo.uploadHalves(be, from, srcHalves, n);
        }
        Tensor dst = to == DType.F32 ? upload(filled(n, Float.NaN), n) : HostIo.uploadHalves(be, to, halfSource(n, seed + 7), n);
        be.cast(dst, src);
        if (to == DType.F32) {
            float[] got = download(dst);
            for (int i = 0; i < n; i++) {
                boolean ok = Float.isNaN(x[i]) ? Float.isNaN(got[i]) : Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(x[i]);
                if (!ok) {
                    fail(from + " -> F32 [" + i + "] of source bits " + sourceBits(srcHalves, x, i) + ": want " + x[i] + ", got " + got[i]);
                }
            }
        } else {
            short[] got = HostIo.downloadHalves(be, dst);
            for (int i = 0; i < n; i++) {
                short want = from == to ? srcHalves[i] : narrow(to, x[i]);
                boolean ok = Float.isNaN(x[i]) ? Float.isNaN(widen(to, got[i])) : got[i] == want;
                if (!ok) {
                    fail(from + " -> " + to + " [" + i + "] of source bits " + sourceBits(srcHalves, x, i) + " (" + x[i] + "): want 0x"
                            + Integer.toHexString(want & 0xffff) + ", got 0x" + Integer.toHexString(got[i] & 0xffff));
                }
            }
        }
        if (from == DType.F32) {
            Expect.same("src is read only", x, download(src));
        }
    }

    private static String sourceBits(short[] halves, float[] x, int i) {
        return halves != null ? "0x" + Integer.toHexString(halves[i] & 0xffff) : "0x" + Integer.toHexString(Float.floatToRawIntBits(x[i]));
    }
}
