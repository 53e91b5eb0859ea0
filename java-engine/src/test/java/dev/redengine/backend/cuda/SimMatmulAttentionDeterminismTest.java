package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * native/matmul.cu and native/attention.cu promise the same bits whatever the order in which threads and
 * blocks run (every sum in a fixed order, no atomics; dk and dv of a KV head shared by 4 query heads summed in
 * one block). The same inputs in forward, reversed and two shuffled orders must give identical floats, not
 * merely close ones (the conformance suites check closeness).
 */
class SimMatmulAttentionDeterminismTest {

    /** All outputs of one matmul, attention, attentionBackward and cachedAttention call, concatenated. */
    private static List<float[]> outputs(SimDriver driver, long dataSeed) {
        SplittableRandom rng = new SplittableRandom(dataSeed);
        List<float[]> result = new ArrayList<>();
        try (Backend be = new CudaBackend(driver)) {
            int m = 70, n = 37, k = 45;
            Tensor a = upload(be, rng, k, m), b = upload(be, rng, k, n), c = upload(be, rng, m, n);
            be.matmul(c, a, true, b, false, 0.5f, 1.5f);
            result.add(be.downloadFloats(c));
            int batch = 2, t = 37, h = 8, kv = 2, d = 16;
            float scale = 0.25f;
            Tensor q = upload(be, rng, batch * t, h, d), kt = upload(be, rng, batch * t, kv, d), vt = upload(be, rng, batch * t, kv, d);
            Tensor out = be.allocate(batch * t, h, d), lse = be.allocate(batch, h, t), dout = upload(be, rng, batch * t, h, d);
            Tensor dq = be.allocate(batch * t, h, d), dk = be.allocate(batch * t, kv, d), dv = be.allocate(batch * t, kv, d);
            be.attention(out, lse, q, kt, vt, batch, t, scale);
            be.attentionBackward(dq, dk, dv, dout, q, kt, vt, out, lse, batch, t, scale);
            for (Tensor x : new Tensor[]{out, lse, dq, dk, dv}) {
                result.add(be.downloadFloats(x));
            }
            Tensor cachedOut = be.allocate(3, h, d);
            be.cachedAttention(cachedOut, upload(be, rng, 3, h, d), kt, vt, 20, scale);
            result.add(be.downloadFloats(cachedOut));
        }
        return result;
    }

    private static Tensor upload(Backend be, SplittableRandom rng, int... shape) {
        float[] x = new float[Math.toIntExact(Tensor.count(shape))];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-2, 2);
        }
        Tensor t = be.allocate(shape);
        be.upload(t, x);
        return t;
    }

    @ParameterizedTest(name = "data seed {0}")
    @ValueSource(longs = {1, 2})
    void everyThreadOrderGivesTheSameBits(long dataSeed) {
        List<float[]> want = outputs(SimSupport.driver(SimDriver.Order.FORWARD), dataSeed);
        List<List<float[]>> others = List.of(outputs(SimSupport.driver(SimDriver.Order.REVERSED), dataSeed),
                outputs(new SimDriver(SimSupport.library(), SimDriver.Order.SHUFFLED, 11), dataSeed),
                outputs(new SimDriver(SimSupport.library(), SimDriver.Order.SHUFFLED, 12345), dataSeed));
        String[] names = {"C", "out", "lse", "dq", "dk", "dv", "cached out"};
        for (List<float[]> got : others) {
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(want.get(i), got.get(i), names[i]);
            }
        }
    }
}
