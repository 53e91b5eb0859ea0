package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Not a test: how fast the simulator runs the kernels, per thread order, next to the CPU backend.
 * {@code mvn -o -q -pl java-engine test -Dtest=SimSpeedProbe -Dredengine.probe=true} (see README).
 */
class SimSpeedProbe {
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
        int r = 64, c = 4096, n = 8, v = 32000;
        Tensor x = upload(be, rng, r * c, r, c), w = upload(be, rng, c, c), out = be.allocate(r, c), rstd = be.allocate(r);
        Tensor dout = upload(be, rng, r * c, r, c), dx = be.allocate(r, c), dw = be.allocate(c);
        Tensor logits = upload(be, rng, n * v, n, v), dlogits = be.allocate(n, v), losses = be.allocate(n), sum = be.allocate(1);
        int[] t = new int[n];
        Tensor targets = be.allocate(dev.redengine.tensor.DType.I32, n);
        be.upload(targets, t);
        double fwd = time(() -> be.rmsnorm(out, rstd, x, w, 1e-5f));
        double bwd = time(() -> be.rmsnormBackward(dx, dw, dout, x, w, rstd));
        double ce = time(() -> be.crossEntropy(losses, sum, dlogits, logits, targets, 1f / n));
        System.out.printf("%-22s CPU time: rmsnorm [%d, %d] fwd %8.2f ms, bwd %8.2f ms; crossEntropy [%d, %d] %8.2f ms%n",
                what, r, c, fwd, bwd, n, v, ce);
    }

    private static Tensor upload(Backend be, SplittableRandom rng, int count, int... shape) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) rng.nextDouble(-1, 1);
        }
        Tensor t = be.allocate(shape);
        be.upload(t, a);
        return t;
    }

    /** The best of 5 calls in CPU time of this thread (the simulator runs on the calling thread): shared, loaded
     * machines make wall time meaningless. The 1-thread CPU backend runs there too. */
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
