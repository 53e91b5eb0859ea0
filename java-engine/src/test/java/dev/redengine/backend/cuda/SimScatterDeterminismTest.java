package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * embeddingBackward and biasBackward sum many terms into one element, where atomics would make the result depend
 * on the order in which threads run (in the simulator as on a GPU). They must give the same bits in forward,
 * reversed and shuffled thread order; embeddingBackward adds each element's terms in token order, as the CPU
 * backend does, so it must also equal the CPU's result bit for bit. Values of wide magnitudes make any change
 * of summation order show in the rounding.
 */
class SimScatterDeterminismTest {

    private static float[] wide(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rng.nextDouble() + 0.5) * Math.scalb(1.0, rng.nextInt(-20, 21)) * (rng.nextBoolean() ? 1 : -1));
        }
        return x;
    }

    private static float[] embeddingBackward(Backend be, int n, int vocab, int c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] dtable0 = wide(rng, vocab * c), dout = wide(rng, n * c);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        Tensor dtable = be.allocate(vocab, c), idt = be.allocate(DType.I32, n), doutT = be.allocate(n, c);
        be.upload(dtable, dtable0);
        be.upload(idt, ids);
        be.upload(doutT, dout);
        be.embeddingBackward(dtable, idt, doutT);
        return be.downloadFloats(dtable);
    }

    private static float[] biasBackward(Backend be, int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] dbias0 = wide(rng, cols), dy = wide(rng, rows * cols);
        Tensor dbias = be.allocate(cols), dyt = be.allocate(rows, cols);
        be.upload(dbias, dbias0);
        be.upload(dyt, dy);
        be.biasBackward(dbias, dyt);
        return be.downloadFloats(dbias);
    }

    @ParameterizedTest(name = "N={0} V={1} C={2}")
    @CsvSource({"200, 3, 5", "300, 40, 270", "64, 1, 33"})
    void embeddingBackwardIsTheSameInEveryThreadOrderAndEqualsTheCpu(int n, int vocab, int c) {
        float[] cpu;
        try (Backend be = new CpuBackend(2)) {
            cpu = embeddingBackward(be, n, vocab, c, n + vocab);
        }
        for (SimDriver.Order order : SimDriver.Order.values()) {
            try (Backend be = SimSupport.backend(order)) {
                assertArrayEquals(cpu, embeddingBackward(be, n, vocab, c, n + vocab), order + " vs the CPU backend");
            }
        }
    }

    @ParameterizedTest(name = "N={0} C={1}")
    @CsvSource({"500, 3", "130, 300", "1, 7"})
    void biasBackwardIsTheSameInEveryThreadOrder(int rows, int cols) {
        float[] first = null;
        for (SimDriver.Order order : SimDriver.Order.values()) {
            try (Backend be = SimSupport.backend(order)) {
                float[] got = biasBackward(be, rows, cols, rows * 31L + cols);
                if (first == null) {
                    first = got;
                } else {
                    assertArrayEquals(first, got, order + " vs " + SimDriver.Order.FORWARD);
                }
            }
        }
    }
}
