package dev.redengine.train;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * AdamW with global-norm clipping against a plain float64 transcription of PyTorch's AdamW (decoupled weight
 * decay on matrices only, bias-corrected moments) after clip_grad_norm_ (scale maxNorm / norm when the norm is
 * over maxNorm). A large eps makes the update depend on the gradient's scale, so an inverted clip scale shows in
 * the parameters as well as in the scalars.
 */
class AdamWReferenceTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @ParameterizedTest(name = "clip {0}, grad scale {1}, eps {2}, seed {3}")
    @CsvSource({
            "1.0, 3.0, 0.5, 1",     // norm over the clip: scaled down
            "1.0, 0.05, 0.5, 2",    // under: unscaled
            "0.0, 3.0, 0.5, 3",     // clip 0: off
            "2.5, 10.0, 1e-8, 4",
    })
    void matchesTheReference(float clip, double gradScale, float eps, long seed) {
        List<ParameterSpec> specs = List.of(new ParameterSpec("w", 3, 4), new ParameterSpec("b", 5));
        Parameters p = Parameters.allocate(be, specs), g = Parameters.allocate(be, specs);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = new float[12], b = new float[5];
        for (int i = 0; i < 12; i++) {
            w[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < 5; i++) {
            b[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        be.upload(p.get("w"), w);
        be.upload(p.get("b"), b);
        AdamW.Settings s = new AdamW.Settings(0.9f, 0.99f, eps, 0.1f, clip);
        LrSchedule sched = new LrSchedule(0.01, 1, 4, 0.1);
        AdamW opt = new AdamW(be, s, p, g, sched);
        double[][] ref = {toDouble(w), toDouble(b)};
        double[][] m = {new double[12], new double[5]}, v = {new double[12], new double[5]};
        for (int step = 1; step <= 4; step++) {
            float[] gw = new float[12], gb = new float[5];
            double sq = 0;
            for (int i = 0; i < 12; i++) {
                gw[i] = (float) (gradScale * (rng.nextDouble() * 2 - 1));
                sq += (double) gw[i] * gw[i];
            }
            for (int i = 0; i < 5; i++) {
                gb[i] = (float) (gradScale * (rng.nextDouble() * 2 - 1));
                sq += (double) gb[i] * gb[i];
            }
            be.upload(g.get("w"), gw);
            be.upload(g.get("b"), gb);
            opt.step();
            double norm = Math.sqrt(sq);
            double scale = clip > 0 && norm > clip ? clip / norm : 1;
            double lr = sched.at(step);
            double[][] grads = {toDouble(gw), toDouble(gb)};
            for (int t = 0; t < 2; t++) {
                double wd = t == 0 ? 0.1 : 0;   // matrices only
                for (int i = 0; i < ref[t].length; i++) {
                    double gi = grads[t][i] * scale;
                    m[t][i] = 0.9 * m[t][i] + 0.1 * gi;
                    v[t][i] = 0.99 * v[t][i] + 0.01 * gi * gi;
                    double mh = m[t][i] / (1 - Math.pow(0.9, step)), vh = v[t][i] / (1 - Math.pow(0.99, step));
                    ref[t][i] -= lr * wd * ref[t][i];
                    ref[t][i] -= lr * mh / (Math.sqrt(vh) + eps);
                }
            }
            AdamW.State st = opt.read();
            assertEquals(step, st.step());
            assertEquals(lr, st.lr(), 1e-9);
            assertEquals(norm, st.gradNorm(), 1e-5 * norm, "gradient norm");
            assertEquals(scale, st.clipScale(), 1e-6, "clip scale");
            assertEquals(0, st.nonFiniteStep());
            assertClose(ref[0], be.downloadFloats(p.get("w")), "w step " + step);
            assertClose(ref[1], be.downloadFloats(p.get("b")), "b step " + step);
        }
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2e-6 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }
}
