package dev.redengine.backend.conformance;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.SplittableRandom;

/**
 * Base of the conformance suite: one abstract class per op of {@link Backend}, each comparing the backend with
 * a plain double-precision reference written in the test. A backend runs the suite by subclassing each class
 * with {@link #createBackend()} (e.g. {@code class CpuMatmulConformanceTest extends MatmulConformance}).
 *
 * <p>Each test-class instance opens its own backend (per-class lifecycle, instance {@code @BeforeAll}) and
 * closes it after its tests; nothing is static, so any test can run twice in one JVM. Data moves only through
 * {@link HostIo}; cases are seeded, so a failure names a case that reproduces.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformance {
    /** Sizes that are not multiples of any vector width (1 to 16 floats) or block, and a tail of every length. */
    protected static final int[] ODD_SIZES = {1, 3, 17, 33, 67, 130};

    /** The backend under test, opened once per test-class instance. */
    protected Backend be;

    /** A new backend; closed by the suite after this class's tests. */
    protected abstract Backend createBackend();

    @BeforeAll
    void openBackend() {
        be = createBackend();
    }

    @AfterAll
    void closeBackend() {
        if (be != null) {
            be.close();
            be = null;
        }
    }

    // Data movement, through HostIo.

    protected Tensor upload(float[] data, int... shape) {
        return HostIo.upload(be, data, shape);
    }

    protected Tensor uploadInts(int[] data, int... shape) {
        return HostIo.uploadInts(be, data, shape);
    }

    protected Tensor zeros(int... shape) {
        return HostIo.zeros(be, shape);
    }

    protected float[] download(Tensor t) {
        return HostIo.download(be, t);
    }

    // Data.

    /**
     * Logits uniform in [offset - 5, offset + 5), with the row's maximum, offset + 9, in the last column
     * (r % 3 == 0) or the first (r % 3 == 1): it then carries over 1/16 of the softmax mass even at V = 8193.
     */
    protected static float[] spikedLogits(SplittableRandom rng, int rows, int vocab, float offset) {
        float[] x = uniform(rng, rows * vocab, 5);
        for (int i = 0; i < x.length; i++) {
            x[i] += offset;
        }
        for (int r = 0; r < rows; r++) {
            if (r % 3 == 0) {
                x[r * vocab + vocab - 1] = offset + 9;
            } else if (r % 3 == 1) {
                x[r * vocab] = offset + 9;
            }
        }
        return x;
    }

    /** n values uniform in [-scale, scale). */
    protected static float[] uniform(SplittableRandom rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    /** n values of random sign and magnitude between 2^-20 and 2^20, so that sums round in every way. */
    protected static float[] wideRange(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rng.nextDouble() + 0.5) * Math.scalb(1.0, rng.nextInt(-20, 21)) * (rng.nextBoolean() ? 1 : -1));
        }
        return x;
    }

    /**
     * n integers in [-bound, bound] as floats: with small bounds every product and partial sum is exact in
     * float32, so a correct backend must match the reference exactly whatever its summation order, and any
     * dropped, repeated or misplaced term shows.
     */
    protected static float[] integers(SplittableRandom rng, int n, int bound) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextInt(-bound, bound + 1);
        }
        return x;
    }

    protected static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    protected static float[] filled(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    protected static double[] constant(int n, double v) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, v);
        return x;
    }
}
