package dev.redengine.backend.conformance;

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
 * {@code sumSquares}: acc [1] += sum of x^2 over all elements, accumulated in double within the op and rounded
 * once to float32 when added to acc.
 *
 * <ul>
 *   <li>Random data: partial sums in float32 over blocks of up to 4096 elements are allowed (the CPU backend
 *       sums each 4096-element block with a float vector dot product, then adds blocks in double), so
 *       |got - ref| <= 2 (min(n, 4096) + 16) U sum x^2.</li>
 *   <li>Small integers: every partial sum is exact, so the result must be exact; a dropped element shows.</li>
 *   <li>2^24 + 3 ones: 2^24 + 4 (the float32 nearest to the exact total) only if the total is not accumulated in
 *       float32, where every 2^24 + 1 rounds back to 2^24.</li>
 *   <li>acc accumulates: a non-zero acc is added to, not overwritten.</li>
 * </ul>
 */
public abstract class SumSquaresConformance extends BackendConformance {

    /** sum x^2 through a fresh zero accumulator. */
    private double sumSquares(Tensor x) {
        Tensor acc = zeros(1);
        be.sumSquares(acc, x);
        return download(acc)[0];
    }

    static List<Arguments> sizes() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (int n : new int[]{1, 3, 17, 33, 67, 130, 4097, 40_003, 100_001}) {
            cases.add(Arguments.of(n, seed++));
        }
        return cases;
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void randomData(int n, long seed) {
        float[] x = uniform(new SplittableRandom(seed), n, 3);
        double want = 0;
        for (float v : x) {
            want += (double) v * v;
        }
        Tensor t = upload(x, n);
        Expect.within("sum x^2", want, sumSquares(t), (2 * (Math.min(n, 4096) + 16) + 1) * U * want);
        Expect.same("x is read only", x, download(t));
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void exactOnSmallIntegers(int n, long seed) {
        float[] x = integers(new SplittableRandom(seed), n, 8);
        x[n - 1] = 7; // the tail counts
        double want = 0;
        for (float v : x) {
            want += (double) v * v;
        }
        assertEquals(want, sumSquares(upload(x, n)), 0.0, "sum x^2");
    }

    @ParameterizedTest(name = "shape {0}")
    @MethodSource("shapes")
    void anyShape(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] x = integers(new SplittableRandom(n), n, 8);
        double want = 0;
        for (float v : x) {
            want += (double) v * v;
        }
        assertEquals(want, sumSquares(upload(x, shape)), 0.0);
    }

    static List<int[]> shapes() {
        return List.of(new int[]{3, 67}, new int[]{2, 3, 17}, new int[]{130, 1});
    }

    @Test
    void totalIsAccumulatedInDouble() {
        int n = (1 << 24) + 3;
        assertEquals((float) n, sumSquares(upload(filled(n, 1f), n)), 0.0, "2^24 + 3 ones");
    }

    @Test
    void accumulatesIntoAcc() {
        Tensor acc = upload(new float[]{2.5f}, 1);
        be.sumSquares(acc, upload(new float[]{1, 2, 3}, 3));
        be.sumSquares(acc, upload(new float[]{-4}, 1, 1));
        assertEquals(32.5f, download(acc)[0], 0f);
    }
}
