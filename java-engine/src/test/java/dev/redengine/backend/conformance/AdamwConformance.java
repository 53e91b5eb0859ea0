package dev.redengine.backend.conformance;

import dev.redengine.backend.OptimizerScalars;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code adamw}, one step in place on param, m and v (lr, step t and gradScale read from an OptimizerScalars
 * tensor), against the contract's formula in double from the same float inputs: g' = gradScale g; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * p -= lr (m / (1-b1^t) / (sqrt(v / (1-b2^t)) + eps) + wd p). Steps 1 (zero moments), 2, 10 and 1000, with and
 * without weight decay and gradient scaling, zero gradients included; and three steps in a row, each checked
 * from the state the previous one left. Also the scalar ops around it: no update while the non-finite flag is set,
 * {@code clipScale} (norm, scale, a sticky flag naming the step) and {@code advanceStep} (counter and schedule).
 *
 * <p>Tolerances, by propagating float32 rounding through the formula (then doubled): m and v are two-term sums
 * of products, within 6 U of the sum of their terms' magnitudes; the denominator is within 6 U relative (v has
 * only nonnegative terms); the update u = m c1 / den within c1 err(m) / den + 9 U |u|; and
 * p - lr (u + wd p) within u |p| + lr (err(u) + 2 U |u| + 2 U wd |p|) + 2 U (|p| + lr |u|).
 */
public abstract class AdamwConformance extends BackendConformance {

    /** n, step, gradScale, lr, beta2, weight decay. */
    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[] sizes = {1, 3, 17, 67, 130, 40_003};
        int[] steps = {1, 2, 10, 1000};
        long seed = 1;
        for (int n : sizes) {
            for (int step : steps) {
                float gradScale = seed % 2 == 0 ? 1f : 0.25f;
                float wd = seed % 3 == 0 ? 0f : 0.1f;
                float beta2 = seed % 4 < 2 ? 0.95f : 0.999f;
                cases.add(Arguments.of(n, step, gradScale, 3e-3f, beta2, wd, seed++));
            }
        }
        return cases;
    }

    private static final float BETA1 = 0.9f, EPS = 1e-8f;

    /** Reference step and tolerances for p, m, v. */
    private record Expected(double[] p, double[] m, double[] v, double[] tolP, double[] tolM, double[] tolV) {
    }

    private static Expected reference(float[] p, float[] g, float[] m, float[] v, float gradScale, float lr, float b1,
                                      float b2, float eps, float wd, int step) {
        int n = p.length;
        double c1 = 1 / (1 - Math.pow(b1, step)), c2 = 1 / (1 - Math.pow(b2, step));
        Expected e = new Expected(new double[n], new double[n], new double[n], new double[n], new double[n], new double[n]);
        for (int i = 0; i < n; i++) {
            double gs = (double) gradScale * g[i];
            double m1 = b1 * (double) m[i] + (1 - (double) b1) * gs;
            double v1 = b2 * (double) v[i] + (1 - (double) b2) * gs * gs;
            double den = Math.sqrt(v1 * c2) + eps;
            double upd = m1 * c1 / den;
            double p1 = p[i] - lr * (upd + wd * (double) p[i]);
            double errM = 6 * U * (Math.abs(b1 * (double) m[i]) + Math.abs((1 - (double) b1) * gs));
            double errV = 6 * U * (b2 * (double) v[i] + (1 - (double) b2) * gs * gs);
            double errUpd = c1 * errM / den + 9 * U * Math.abs(upd);
            double errP = U * Math.abs(p[i]) + lr * (errUpd + 2 * U * Math.abs(upd) + 2 * U * wd * Math.abs(p[i]))
                    + 2 * U * (Math.abs(p[i]) + lr * Math.abs(upd));
            e.p[i] = p1;
            e.m[i] = m1;
            e.v[i] = v1;
            e.tolP[i] = 2 * errP + 1e-30;
            e.tolM[i] = 2 * errM + 1e-30;
            e.tolV[i] = 2 * errV + 1e-30;
        }
        return e;
    }

    /** Gradients of varied scale (1e-4 to 1), a few exactly zero. */
    private static float[] gradients(SplittableRandom rng, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = i % 7 == 3 ? 0f : (float) ((rng.nextDouble() * 2 - 1) * Math.pow(10, -rng.nextInt(5)));
        }
        return g;
    }

    @ParameterizedTest(name = "n={0} step={1} gradScale={2} lr={3} beta2={4} wd={5}")
    @MethodSource("cases")
    void oneStep(int n, int step, float gradScale, float lr, float beta2, float wd, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] p = uniform(rng, n, 1), g = gradients(rng, n);
        float[] m = step == 1 ? new float[n] : uniform(rng, n, 0.1), v = new float[n];
        if (step > 1) {
            for (int i = 0; i < n; i++) {
                v[i] = (float) (rng.nextDouble() * 0.01);
            }
        }
        Tensor pt = upload(p, n), gt = upload(g, n), mt = upload(m, n), vt = upload(v, n);
        be.adamw(pt, gt, mt, vt, scalars(lr, step, gradScale, 0), BETA1, beta2, EPS, wd);
        Expected e = reference(p, g, m, v, gradScale, lr, BETA1, beta2, EPS, wd, step);
        Expect.within("m", e.m(), download(mt), e.tolM());
        Expect.within("v", e.v(), download(vt), e.tolV());
        Expect.within("param", e.p(), download(pt), e.tolP());
        Expect.same("grad is read only", g, download(gt));
    }

    /** An OptimizerScalars tensor holding lr, step, clip scale and the non-finite flag. */
    private Tensor scalars(float lr, int step, float scale, int nonFinite) {
        float[] s = new float[OptimizerScalars.SIZE];
        s[OptimizerScalars.LR] = lr;
        s[OptimizerScalars.STEP] = step;
        s[OptimizerScalars.CLIP_SCALE] = scale;
        s[OptimizerScalars.NON_FINITE] = nonFinite;
        return upload(s, s.length);
    }

    @Test
    void nothingChangesWhileTheNonFiniteFlagIsSet() {
        float[] p = {1, 2, 3}, m = {0.1f, 0.2f, 0.3f}, v = {0.01f, 0.02f, 0.03f};
        Tensor pt = upload(p, 3), mt = upload(m, 3), vt = upload(v, 3);
        be.adamw(pt, upload(new float[]{Float.NaN, 1, 1}, 3), mt, vt, scalars(1e-2f, 4, 1f, 3), BETA1, 0.99f, EPS, 0.1f);
        Expect.same("param", p, download(pt));
        Expect.same("m", m, download(mt));
        Expect.same("v", v, download(vt));
    }

    static List<Arguments> clips() {
        // sum of squares, max norm -> norm, scale
        return List.of(Arguments.of(25f, 1f, 5f, 0.2f), Arguments.of(25f, 0f, 5f, 1f), Arguments.of(0.25f, 1f, 0.5f, 1f),
                Arguments.of(0f, 1f, 0f, 1f), Arguments.of(4f, 2f, 2f, 1f));
    }

    @ParameterizedTest(name = "sumSquares={0} maxNorm={1}")
    @MethodSource("clips")
    void clipScaleFromTheSumOfSquares(float sumSquares, float maxNorm, float norm, float scale) {
        float[] s = new float[OptimizerScalars.SIZE];
        s[OptimizerScalars.SUM_SQUARES] = sumSquares;
        s[OptimizerScalars.STEP] = 6;
        Tensor t = upload(s, s.length);
        be.clipScale(t, maxNorm);
        float[] got = download(t);
        assertEquals(norm, got[OptimizerScalars.GRAD_NORM], 0f, "norm");
        assertEquals(scale, got[OptimizerScalars.CLIP_SCALE], 1e-7f, "scale");
        assertEquals(0f, got[OptimizerScalars.NON_FINITE], "finite: no flag");
        assertEquals(6f, got[OptimizerScalars.STEP], "step untouched");
    }

    @Test
    void aNonFiniteNormSetsAStickyFlagNamingTheStep() {
        float[] s = new float[OptimizerScalars.SIZE];
        s[OptimizerScalars.SUM_SQUARES] = Float.NaN;
        s[OptimizerScalars.STEP] = 6;
        Tensor t = upload(s, s.length);
        be.clipScale(t, 1f);
        assertEquals(7f, download(t)[OptimizerScalars.NON_FINITE], "the step being taken");
        HostIo.write(be, t.viewAt(OptimizerScalars.SUM_SQUARES, 1), new float[]{Float.POSITIVE_INFINITY});
        HostIo.write(be, t.viewAt(OptimizerScalars.STEP, 1), new float[]{9});
        be.clipScale(t, 1f);
        assertEquals(7f, download(t)[OptimizerScalars.NON_FINITE], "sticky: the first step stays");
        HostIo.write(be, t.viewAt(OptimizerScalars.SUM_SQUARES, 1), new float[]{1});
        be.clipScale(t, 1f);
        assertEquals(7f, download(t)[OptimizerScalars.NON_FINITE], "a finite norm does not clear it");
    }

    @Test
    void advanceStepCountsAndReadsTheSchedule() {
        Tensor t = zeros(OptimizerScalars.SIZE), table = upload(new float[]{0.1f, 0.2f, 0.3f}, 3);
        float[] lrs = {0.1f, 0.2f, 0.3f, 0.3f, 0.3f};   // past the table's end the last rate holds
        for (int step = 1; step <= lrs.length; step++) {
            be.advanceStep(t, table);
            float[] got = download(t);
            assertEquals(step, got[OptimizerScalars.STEP], 0f);
            assertEquals(lrs[step - 1], got[OptimizerScalars.LR], 0f);
        }
    }

    static List<Arguments> runs() {
        // 270_001: more elements than a device kernel of 1024 blocks of 256 threads covers in one grid-stride round
        return List.of(Arguments.of(1, 1L), Arguments.of(33, 2L), Arguments.of(40_003, 3L), Arguments.of(270_001, 4L));
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("runs")
    void threeStepsInARow(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] p = uniform(rng, n, 1);
        Tensor pt = upload(p, n), mt = zeros(n), vt = zeros(n), gt = zeros(n);
        float[] m = new float[n], v = new float[n];
        for (int step = 1; step <= 3; step++) {
            float[] g = gradients(rng, n);
            HostIo.write(be, gt, g);
            be.adamw(pt, gt, mt, vt, scalars(1e-2f, step, 0.5f, 0), BETA1, 0.99f, EPS, 0.05f);
            Expected e = reference(p, g, m, v, 0.5f, 1e-2f, BETA1, 0.99f, EPS, 0.05f, step);
            p = download(pt);
            m = download(mt);
            v = download(vt);
            Expect.within("m after step " + step, e.m(), m, e.tolM());
            Expect.within("v after step " + step, e.v(), v, e.tolV());
            Expect.within("param after step " + step, e.p(), p, e.tolP());
        }
    }
}
