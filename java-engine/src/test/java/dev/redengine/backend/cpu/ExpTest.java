package dev.redengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Exp}: accuracy against Math.exp in double, the vector and scalar forms bit for bit, and the same bits in
 * every JIT state (cold and C2-compiled here, -Xint and C1 only in a forked JVM), for the kernel and for the ops
 * and training steps that use it.
 */
class ExpTest {
    /** |f - e^x| in units of the float ulp at e^x (subnormal ulp 2^-149 below the normal range). */
    private static double ulps(float f, float x) {
        double ref = Math.exp(x);
        if (ref > Float.MAX_VALUE) {
            // above the largest float: correct results are MAX_VALUE (rounded down within half an ulp) or +Inf
            return f == Float.POSITIVE_INFINITY ? 0 : (ref - f) / Math.ulp(Float.MAX_VALUE);
        }
        return Math.abs(f - ref) / Math.ulp((float) ref);
    }

    @Test
    void withinOneUlpOverTheWholeRange() {
        int n = 1 << 23;
        double worst = 0;
        float worstX = 0;
        for (int i = 0; i <= n; i++) {
            float x = (float) (-104.0 + 193.0 * i / n);
            double e = ulps(Exp.exp(x), x);
            if (e > worst) {
                worst = e;
                worstX = x;
            }
        }
        // every float near 0, where the reduction does nothing, and near the ends
        for (float x : new float[]{0f, 1e-30f, -1e-30f, Float.MIN_VALUE, 1e-7f, -1e-7f, 88.72283f, 88.7228f, -87.33654f, -103.9f, -103.97f}) {
            for (int j = -200; j <= 200; j++) {
                float y = Float.intBitsToFloat(Float.floatToRawIntBits(x) + j);
                if (y >= -104 && y <= 89) {
                    double e = ulps(Exp.exp(y), y);
                    if (e > worst) {
                        worst = e;
                        worstX = y;
                    }
                }
            }
        }
        System.out.printf("Exp: max error %.4f ulp at x = %s%n", worst, worstX);
        assertTrue(worst <= 1.0, "max error " + worst + " ulp at x = " + worstX);
    }

    @Test
    void specialValues() {
        assertEquals(1f, Exp.exp(0f));
        assertEquals(1f, Exp.exp(-0f));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(Float.MAX_VALUE));
        assertTrue(Exp.exp(88.72283f) < Float.POSITIVE_INFINITY);   // e^88.72283 < MAX_VALUE
        assertEquals(0f, Exp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, Exp.exp(-104f));
        assertEquals(0f, Exp.exp(-Float.MAX_VALUE));
        assertEquals(Float.MIN_VALUE, Exp.exp(-103.2789f));             // e^x ~ 2^-149: subnormals are kept
        assertTrue(Float.isNaN(Exp.exp(Float.NaN)));
        assertTrue(Float.isNaN(Exp.exp(Float.intBitsToFloat(0xffc00001))));
        float[] lanes = new float[Simd.S.length()];
        lanes[0] = Float.NaN;
        lanes[1 % lanes.length] = Float.NEGATIVE_INFINITY;
        float[] out = new float[lanes.length];
        Exp.exp(FloatVector.fromArray(Simd.S, lanes, 0)).intoArray(out, 0);
        assertTrue(Float.isNaN(out[0]));
    }

    /** Inputs of every kind: the useful range, far outside it, random bit patterns (NaNs, infinities, subnormals). */
    private static float[] mixedInputs(long seed, int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 4) {
                case 0 -> (float) (-110 + 205 * rng.nextDouble());
                case 1 -> (float) (-1 + 2 * rng.nextDouble());
                case 2 -> Float.intBitsToFloat(rng.nextInt());
                default -> (float) (-1e6 + 2e6 * rng.nextDouble());
            };
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void vectorLanesEqualTheScalarBitForBit(long seed) {
        float[] x = mixedInputs(seed, 1 << 16);
        float[] v = new float[x.length];
        for (int i = 0; i < x.length; i += Simd.S.length()) {
            Exp.exp(FloatVector.fromArray(Simd.S, x, i)).intoArray(v, i);
        }
        for (int i = 0; i < x.length; i++) {
            float s = Exp.exp(x[i]);
            assertTrue(Float.floatToIntBits(s) == Float.floatToIntBits(v[i]),
                    "x = " + x[i] + ": vector " + v[i] + ", scalar " + s);
        }
    }

    @Test
    void kernelsAndOpsGiveTheSameBitsBeforeAndAfterC2() {
        float[] x = mixedInputs(9, 64);
        long coldKernel = DeterminismProbe.mix(0, DeterminismProbe.expKernels(x));
        long coldOps;
        try (CpuBackend be = new CpuBackend(1)) {
            coldOps = DeterminismProbe.mix(0, DeterminismProbe.ops(be));
            for (int i = 0; i < 50_000; i++) {
                DeterminismProbe.expKernels(x);
            }
            for (int i = 0; i < 300; i++) {
                DeterminismProbe.ops(be);
            }
            assertEquals(coldKernel, DeterminismProbe.mix(0, DeterminismProbe.expKernels(x)), "exp kernel");
            assertEquals(coldOps, DeterminismProbe.mix(0, DeterminismProbe.ops(be)), "ops");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void trainingTwiceGivesTheSameParameters(int threads) {
        assertEquals(DeterminismProbe.fingerprint(threads, 5), DeterminismProbe.fingerprint(threads, 5));
    }

    /**
     * The same fingerprint (ops and 2 training steps, 1 and 2 threads) in a forked JVM with -Xint (every Vector
     * API call interpreted, the path that used to differ) and with C1 only, against this JVM after warming up.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-Xint", "-XX:TieredStopAtLevel=1"})
    void aForkedJvmInAnotherJitStateGivesTheSameBits(String mode) throws IOException, InterruptedException {
        for (int i = 0; i < 20; i++) {
            DeterminismProbe.fingerprint(1, 2);   // warm up this JVM towards C2
        }
        String expected = "1=" + Long.toHexString(DeterminismProbe.fingerprint(1, 2)) + "\n"
                + "2=" + Long.toHexString(DeterminismProbe.fingerprint(2, 2)) + "\n";
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", mode,
                "-cp", System.getProperty("java.class.path"), DeterminismProbe.class.getName(), "1", "2"));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "forked JVM timed out");
        assertEquals(0, p.exitValue(), out);
        assertEquals(expected, out);
    }
}
