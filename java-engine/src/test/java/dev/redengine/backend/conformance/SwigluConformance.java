package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;

/**
 * {@code swiglu} (out = silu(gate) up, silu(g) = g sigmoid(g)) and {@code swigluBackward} (dgate = dout up
 * sigmoid(g) (1 + g (1 - sigmoid(g))), dup = dout silu(g); both overwritten), with gates across the whole
 * range: |g| up to 100, where exp(-g) overflows float32 and a naive formula gives NaN.
 *
 * <p>Tolerances: sigmoid's relative error is that of exp (1 ulp for the Vector API, 2 for CUDA's expf) plus
 * a few roundings; 32 U relative covers it with margin. In the backward pass the abs error of 1 - sigmoid
 * reaches |g| times that of sigmoid, hence 32 U |dout up| sigmoid (1 + |g|). An absolute 1e-30 allows
 * results below the float32 normal range to be flushed to zero (GPUs do).
 */
public abstract class SwigluConformance extends BackendConformance {

    static List<Arguments> shapes() {
        return List.of(Arguments.of(1, 1, 1L), Arguments.of(1, 3, 2L), Arguments.of(3, 17, 3L), Arguments.of(2, 33, 4L),
                Arguments.of(5, 67, 5L), Arguments.of(7, 130, 6L), Arguments.of(1, 40_003, 7L));
    }

    private static final float[] SPECIAL_GATES = {0f, -1.2785f, 20f, -20f, 88f, -88f, 100f, -100f, 1e-20f, -1e-20f};

    /** Gates uniform in [-8, 8) with special values spread through (the last element among them). */
    private static float[] gates(SplittableRandom rng, int n) {
        float[] g = uniform(rng, n, 8);
        for (int i = 0; i < SPECIAL_GATES.length && i < n; i++) {
            g[(int) ((long) (n - 1) * (SPECIAL_GATES.length - 1 - i) / Math.max(1, SPECIAL_GATES.length - 1))] = SPECIAL_GATES[i];
        }
        return g;
    }

    private static double sigmoid(double g) {
        return 1 / (1 + Math.exp(-g));
    }

    @ParameterizedTest(name = "N={0} F={1}")
    @MethodSource("shapes")
    void forward(int rows, int f, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = rows * f;
        float[] gate = gates(rng, n), up = uniform(rng, n, 2);
        Tensor out = upload(filled(n, Float.NaN), rows, f), gt = upload(gate, rows, f);
        be.swiglu(out, gt, upload(up, rows, f));
        double[] want = new double[n], tol = new double[n];
        for (int i = 0; i < n; i++) {
            want[i] = gate[i] * sigmoid(gate[i]) * up[i];
            tol[i] = 32 * U * Math.abs(want[i]) + 1e-30;
        }
        Expect.within("silu(gate) up", want, download(out), tol);
        Expect.same("gate is read only", gate, download(gt));
    }

    @ParameterizedTest(name = "N={0} F={1}")
    @MethodSource("shapes")
    void backward(int rows, int f, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = rows * f;
        float[] gate = gates(rng, n), up = uniform(rng, n, 2), dout = uniform(rng, n, 1);
        Tensor dgate = upload(filled(n, Float.NaN), rows, f), dup = upload(filled(n, Float.NaN), rows, f);
        be.swigluBackward(dgate, dup, upload(dout, rows, f), upload(gate, rows, f), upload(up, rows, f));
        double[] wantG = new double[n], tolG = new double[n], wantU = new double[n], tolU = new double[n];
        for (int i = 0; i < n; i++) {
            double g = gate[i], s = sigmoid(g);
            wantG[i] = (double) dout[i] * up[i] * s * (1 + g * (1 - s));
            tolG[i] = 32 * U * Math.abs((double) dout[i] * up[i]) * s * (1 + Math.abs(g)) + 1e-30;
            wantU[i] = dout[i] * g * s;
            tolU[i] = 32 * U * Math.abs(wantU[i]) + 1e-30;
        }
        Expect.within("dgate", wantG, download(dgate), tolG);
        Expect.within("dup", wantU, download(dup), tolU);
    }
}
