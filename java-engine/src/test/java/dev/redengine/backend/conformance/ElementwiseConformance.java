package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@code allocate} (zero-filled), the host round trip, {@code add} (with every aliasing the contract allows),
 * {@code accumulate}, {@code scale}, {@code copy} and {@code zero}. Each result is one IEEE-754 operation per
 * element (or none), so it must equal the correctly rounded reference exactly: tolerance 0. Sizes include
 * 40 003, large enough for the CPU backend to split the range over its threads, with a ragged tail.
 */
public abstract class ElementwiseConformance extends BackendConformance {

    static List<Arguments> sizes() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (int n : ODD_SIZES) {
            cases.add(Arguments.of(n, seed++));
        }
        cases.add(Arguments.of(40_003, seed));
        return cases;
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void allocateIsZeroFilled(int n, long seed) {
        Expect.same("allocate(F32)", new float[n], download(zeros(n)));
        assertArrayEquals(new int[n], HostIo.downloadInts(be, HostIo.zerosInt(be, n)), "allocate(I32)");
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void hostRoundTripIsBitExact(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = wideRange(rng, n);
        float[] specials = {-0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN, Float.MIN_NORMAL};
        for (int i = 0; i < Math.min(n, specials.length); i++) {
            x[n - 1 - i] = specials[i];
        }
        Expect.same("download(upload(x))", x, download(upload(x, n)));
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt();
        }
        assertArrayEquals(ids, HostIo.downloadInts(be, HostIo.uploadInts(be, ids, n)), "int32 round trip");
    }

    enum Alias { NONE, OUT_IS_A, OUT_IS_B, A_IS_B }

    static List<Arguments> addCases() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 10;
        for (Alias alias : Alias.values()) {
            for (int n : new int[]{1, 17, 130, 40_003}) {
                cases.add(Arguments.of(alias, n, seed++));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("addCases")
    void add(Alias alias, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = wideRange(rng, n), b = alias == Alias.A_IS_B ? a : wideRange(rng, n);
        Tensor at = upload(a, n), bt = alias == Alias.A_IS_B ? at : upload(b, n);
        Tensor out = switch (alias) {
            case OUT_IS_A -> at;
            case OUT_IS_B -> bt;
            default -> upload(filled(n, Float.NaN), n);
        };
        be.add(out, at, bt);
        double[] want = new double[n];
        for (int i = 0; i < n; i++) {
            want[i] = (double) a[i] + b[i];
        }
        Expect.exact("a + b", want, download(out));
        if (alias == Alias.NONE) {
            Expect.same("a is read only", a, download(at));
            Expect.same("b is read only", b, download(bt));
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void accumulateAddsIntoDst(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = wideRange(rng, n), s = wideRange(rng, n);
        Tensor dt = upload(d, n), st = upload(s, n);
        be.accumulate(dt, st);
        be.accumulate(dt, st);
        double[] want = new double[n];
        for (int i = 0; i < n; i++) {
            want[i] = (double) (float) ((double) d[i] + s[i]) + s[i]; // two roundings: one per call
        }
        Expect.exact("dst + src + src", want, download(dt));
        Expect.same("src is read only", s, download(st));
    }

    static List<Arguments> scaleCases() {
        List<Arguments> cases = new ArrayList<>();
        float[] factors = {0f, -1f, 0.5f, 3.7f, -1e-3f, 1f};
        long seed = 30;
        for (int n : new int[]{1, 3, 33, 67, 40_003}) {
            for (float s : factors) {
                cases.add(Arguments.of(n, s, seed++));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "n={0} s={1}")
    @MethodSource("scaleCases")
    void scaleInPlace(int n, float s, long seed) {
        float[] x = wideRange(new SplittableRandom(seed), n);
        Tensor xt = upload(x, n);
        be.scale(xt, s);
        double[] want = new double[n];
        for (int i = 0; i < n; i++) {
            want[i] = (double) x[i] * s;
        }
        Expect.exact("x * s", want, download(xt));
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void copyIsBitExactAcrossShapes(int n, long seed) {
        float[] x = wideRange(new SplittableRandom(seed), n);
        x[n - 1] = -0f;
        Tensor src = upload(x, 1, n), dst = upload(filled(n, Float.NaN), n, 1);
        be.copy(dst, src);
        Expect.same("dst", x, download(dst));
        Expect.same("src is read only", x, download(src));
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("sizes")
    void zeroClearsOnlyItsTensor(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = wideRange(rng, n), neighbour = wideRange(rng, n);
        Tensor before = upload(neighbour, n), xt = upload(x, n), after = upload(neighbour, n);
        be.zero(xt);
        Expect.exact("zeroed", new double[n], download(xt));
        Expect.same("tensor allocated before", neighbour, download(before));
        Expect.same("tensor allocated after", neighbour, download(after));
    }
}
