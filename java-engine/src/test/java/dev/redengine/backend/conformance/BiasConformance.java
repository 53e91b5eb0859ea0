package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.backend.conformance.Expect.U;

/**
 * {@code addBias} (y[n, c] += bias[c]: one addition per element, so exact) and {@code biasBackward}
 * (dbias[c] += sum_n dy[n, c], a parameter gradient, so it accumulates). Random data: |dbias - ref| <=
 * 2 (N + 2) U (|dbias0| + sum_n |dy|), the float32 bound of an (N + 1)-term sum; small integers: exact.
 */
public abstract class BiasConformance extends BackendConformance {

    static List<Arguments> shapes() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (int rows : new int[]{1, 3, 17, 130}) {
            for (int cols : ODD_SIZES) {
                cases.add(Arguments.of(rows, cols, seed++));
            }
        }
        cases.add(Arguments.of(1000, 67, seed++));
        cases.add(Arguments.of(2, 1000, seed));
        return cases;
    }

    @ParameterizedTest(name = "N={0} C={1}")
    @MethodSource("shapes")
    void addBiasAddsToEveryRow(int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] y = wideRange(rng, rows * cols), bias = wideRange(rng, cols);
        Tensor yt = upload(y, rows, cols), bt = upload(bias, cols);
        be.addBias(yt, bt);
        double[] want = new double[rows * cols];
        for (int i = 0; i < want.length; i++) {
            want[i] = (double) y[i] + bias[i % cols];
        }
        Expect.exact("y + bias", want, download(yt));
        Expect.same("bias is read only", bias, download(bt));
    }

    /** y of rank 3 [B, T, C]: rows are B * T. */
    @ParameterizedTest(name = "C={0}")
    @MethodSource("cols")
    void addBiasOnRank3(int cols) {
        SplittableRandom rng = new SplittableRandom(cols);
        float[] y = uniform(rng, 2 * 5 * cols, 1), bias = uniform(rng, cols, 1);
        Tensor yt = upload(y, 2, 5, cols);
        be.addBias(yt, upload(bias, cols));
        double[] want = new double[y.length];
        for (int i = 0; i < want.length; i++) {
            want[i] = (double) y[i] + bias[i % cols];
        }
        Expect.exact("y + bias", want, download(yt));
    }

    static int[] cols() {
        return ODD_SIZES;
    }

    @ParameterizedTest(name = "N={0} C={1}")
    @MethodSource("shapes")
    void biasBackwardAccumulatesColumnSums(int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] dy = uniform(rng, rows * cols, 1), dbias0 = uniform(rng, cols, 1);
        Tensor dbias = upload(dbias0, cols), dyt = upload(dy, rows, cols);
        be.biasBackward(dbias, dyt);
        double[] want = new double[cols], tol = new double[cols];
        for (int c = 0; c < cols; c++) {
            double s = dbias0[c], mag = Math.abs(dbias0[c]);
            for (int r = 0; r < rows; r++) {
                s += dy[r * cols + c];
                mag += Math.abs(dy[r * cols + c]);
            }
            want[c] = s;
            tol[c] = 2 * (rows + 2) * U * mag;
        }
        Expect.within("dbias0 + sum dy", want, download(dbias), tol);
        Expect.same("dy is read only", dy, download(dyt));
    }

    @ParameterizedTest(name = "N={0} C={1}")
    @MethodSource("shapes")
    void biasBackwardIsExactOnIntegersAndAccumulatesAcrossCalls(int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] dy = integers(rng, rows * cols, 100), dbias0 = integers(rng, cols, 1000);
        Tensor dbias = upload(dbias0, cols), dyt = upload(dy, rows, cols);
        be.biasBackward(dbias, dyt);
        be.biasBackward(dbias, dyt);
        double[] want = toDouble(dbias0);
        for (int i = 0; i < dy.length; i++) {
            want[i % cols] += 2.0 * dy[i];
        }
        Expect.exact("dbias0 + 2 sum dy", want, download(dbias));
    }
}
