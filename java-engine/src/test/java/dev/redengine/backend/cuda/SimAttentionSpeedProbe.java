package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Not a test: how fast the simulator runs matmul and attention, per thread order, next to the CPU backend (the
 * HF fixtures on the simulator are made of these). {@code mvn -o -q -pl java-engine test
 * -Dtest=SimAttentionSpeedProbe -Dredengine.probe=true}.
 */
class SimAttentionSpeedProbe {
    @org.junit.jupiter.api.Test
    void measure() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("redengine.probe"), "a probe: -Dredengine.probe=true runs it");
        for (SimDriver.Order order : SimDriver.Order.values()) {
            try (Backend be = SimSupport.backend(order)) {
                report("cuda-sim " + order, be);
            }
        }
        try (Backend be = new CpuBackend(1)) {
            report("cpu 1 thread", be);
        }
    }

    private static void report(String what, Backend be) {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 128;
        Tensor a = upload(be, rng, n, n), b = upload(be, rng, n, n), c = be.allocate(n, n);
        int batch = 1, h = 4, t = 64, d = 32;
        Tensor q = upload(be, rng, batch * t, h, d), k = upload(be, rng, batch * t, h, d), v = upload(be, rng, batch * t, h, d);
        Tensor out = be.allocate(batch * t, h, d), lse = be.allocate(batch, h, t), dout = upload(be, rng, batch * t, h, d);
        Tensor dq = be.allocate(batch * t, h, d), dk = be.allocate(batch * t, h, d), dv = be.allocate(batch * t, h, d);
        Tensor one = upload(be, rng, 1, h, d), cache = upload(be, rng, t, h, d), cacheV = upload(be, rng, t, h, d);
        Tensor oneOut = be.allocate(1, h, d);
        float scale = (float) (1 / Math.sqrt(d));
        double mm = time(() -> be.matmul(c, a, false, b, false, 1, 0));
        double fwd = time(() -> be.attention(out, lse, q, k, v, batch, t, scale));
        double bwd = time(() -> be.attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, batch, t, scale));
        double cached = time(() -> be.cachedAttention(oneOut, one, cache, cacheV, t - 1, scale));
        System.out.printf("%-22s CPU time: matmul [%d^3] %8.2f ms; attention [B %d, H %d, T %d, D %d] fwd %8.2f ms, bwd %8.2f ms;"
                + " cached (1 query, %d keys) %8.2f ms%n", what, n, mm, batch, h, t, d, fwd, bwd, t, cached);
    }

    private static Tensor upload(Backend be, SplittableRandom rng, int... shape) {
        float[] x = new float[Math.toIntExact(Tensor.count(shape))];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        Tensor t = be.allocate(shape);
        be.upload(t, x);
        return t;
    }

    /** The best of 5 calls in CPU time of this thread (the simulator runs on the calling thread; wall time on a
     * loaded machine means little). */
    private static double time(Runnable op) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        op.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = mx.getCurrentThreadCpuTime();
            op.run();
            best = Math.min(best, mx.getCurrentThreadCpuTime() - t0);
        }
        return best / 1e6;
    }
}
