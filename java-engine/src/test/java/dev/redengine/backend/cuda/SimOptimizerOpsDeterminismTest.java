package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.backend.conformance.HostIo;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The reductions of the optimizer, loss and calibration kernels add in an order fixed by the launch shape, never
 * by timing: every output is bit for bit the same whichever order the simulator runs the threads of a block in
 * (forward, reversed, shuffled with two seeds). The conformance suites check the values within tolerances; this
 * checks that a kernel cannot pass them with an order-dependent float sum (an atomicAdd into shared memory, a race
 * on a partial) whose result would then differ from run to run on a GPU: an atomicAdd in mse_loss_forward_backward's
 * row sum fails here. (A sum kept in double, as sumSquares', rarely shows its order after the final rounding to
 * float; its cases are here for the float outputs around it.) Shapes span several blocks and odd sizes.
 */
class SimOptimizerOpsDeterminismTest {

    /** Each case runs its op on fresh inputs from a fixed seed and returns every output it wrote. */
    enum Op {
        KL_FORWARD(be -> kl(be, false)),
        KL_REVERSE(be -> kl(be, true)),
        SUM_SQUARES(be -> {
            Tensor acc = HostIo.upload(be, new float[]{0.5f}, 1);
            be.sumSquares(acc, HostIo.upload(be, data(1, 140_007, 3), 140_007));
            return List.of(HostIo.download(be, acc));
        }),
        MSE(be -> activation(be, false)),
        COSINE(be -> activation(be, true)),
        ADAMW(be -> {
            int n = 70_001;
            Tensor p = HostIo.upload(be, data(2, n, 1), n), g = HostIo.upload(be, data(3, n, 1), n);
            Tensor m = HostIo.zeros(be, n), v = HostIo.zeros(be, n), scalars = HostIo.zeros(be, OptimizerScalars.SIZE);
            Tensor lrTable = HostIo.upload(be, new float[]{1e-3f, 2e-3f}, 2);
            List<float[]> out = new ArrayList<>();
            for (int step = 0; step < 2; step++) {
                HostIo.write(be, scalars.viewAt(OptimizerScalars.SUM_SQUARES, 1), new float[]{0});
                be.sumSquares(scalars.viewAt(OptimizerScalars.SUM_SQUARES, 1), g);
                be.clipScale(scalars, 1f);
                be.advanceStep(scalars, lrTable);
                be.adamw(p, g, m, v, scalars, 0.9f, 0.999f, 1e-8f, 0.1f);
                out.add(HostIo.download(be, scalars));
            }
            out.addAll(List.of(HostIo.download(be, p), HostIo.download(be, m), HostIo.download(be, v)));
            return out;
        }),
        CALIBRATION(be -> {
            int batch = 3, seqLen = 37, heads = 5, d = 70, c = heads * d;
            Tensor x = HostIo.upload(be, data(4, batch * seqLen * c, 2), batch * seqLen, heads, d);
            Tensor abs = HostIo.zeros(be, batch, c), norms = HostIo.zeros(be, batch, heads);
            be.absMeanOverTokens(abs, x.view(batch * seqLen, c), seqLen);
            be.headNormMeanOverTokens(norms, x, seqLen);
            return List.of(HostIo.download(be, abs), HostIo.download(be, norms));
        });

        final Function<Backend, List<float[]>> run;

        Op(Function<Backend, List<float[]>> run) {
            this.run = run;
        }
    }

    private static float[] data(long seed, int n, double scale) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private static List<float[]> kl(Backend be, boolean reverse) {
        int rows = 5, vocab = 3001;
        Tensor student = HostIo.upload(be, data(5, rows * vocab, 6), rows, vocab);
        Tensor teacher = HostIo.upload(be, data(6, rows * vocab, 6), rows, vocab);
        Tensor losses = HostIo.zeros(be, rows), lossSum = HostIo.zeros(be, 1), dstudent = HostIo.zeros(be, rows, vocab);
        be.klDivergence(losses, lossSum, dstudent, student, teacher, null, 1.5f, reverse, 0.25f);
        return List.of(HostIo.download(be, losses), HostIo.download(be, lossSum), HostIo.download(be, dstudent));
    }

    private static List<float[]> activation(Backend be, boolean cosine) {
        int rows = 4, width = 777;
        Tensor x = HostIo.upload(be, data(7, rows * width, 2), rows, width), t = HostIo.upload(be, data(8, rows * width, 2), rows, width);
        Tensor losses = HostIo.zeros(be, rows), lossSum = HostIo.zeros(be, 1);
        Tensor dx = HostIo.upload(be, data(9, rows * width, 1), rows, width), dt = HostIo.zeros(be, rows, width);
        if (cosine) {
            be.cosineLoss(losses, lossSum, dx, dt, x, t, 0.5f);
        } else {
            be.mseLoss(losses, lossSum, dx, dt, x, t, 0.5f);
        }
        return List.of(HostIo.download(be, losses), HostIo.download(be, lossSum), HostIo.download(be, dx), HostIo.download(be, dt));
    }

    private static List<float[]> runOn(SimDriver.Order order, long seed, Op op) {
        try (Backend be = new CudaBackend(new SimDriver(SimSupport.library(), order, seed))) {
            return op.run.apply(be);
        }
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void everyThreadOrderGivesTheSameBits(Op op) {
        List<float[]> want = runOn(SimDriver.Order.FORWARD, SimSupport.SEED, op);
        for (var run : List.of(new Object[]{SimDriver.Order.REVERSED, SimSupport.SEED},
                new Object[]{SimDriver.Order.SHUFFLED, SimSupport.SEED}, new Object[]{SimDriver.Order.SHUFFLED, 77L})) {
            List<float[]> got = runOn((SimDriver.Order) run[0], (Long) run[1], op);
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                assertArrayEquals(want.get(i), got.get(i), op + " output " + i + ", " + run[0] + " seed " + run[1] + " vs forward");
            }
        }
    }
}
