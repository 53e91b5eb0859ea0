package dev.redengine.backend.cpu;

import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import dev.redengine.testutil.HostTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mseLoss} and {@code cosineLoss}: both gradients (x and target) against central differences of the op's
 * own lossSum, with gradScale 1 (the conformance suite checks the scaled, accumulated values against a double
 * reference).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActivationLossGradientCheckTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterAll
    void close() {
        be.close();
    }

    private Tensor random(SplittableRandom rng, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return HostTensors.of(be, v, rows, cols);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mse", "cosine"})
    void gradientsMatchFiniteDifferences(String op) {
        int n = 4, c = 19;
        SplittableRandom rng = new SplittableRandom(op.length());
        Tensor x = random(rng, n, c), t = random(rng, n, c);
        Tensor losses = be.allocate(n), lossSum = be.allocate(1), dx = be.allocate(n, c), dt = be.allocate(n, c);
        run(op, losses, lossSum, dx, dt, x, t);
        List<String> bad = new ArrayList<>();
        for (Tensor[] wg : new Tensor[][]{{x, dx}, {t, dt}}) {
            FiniteDifference.check(op + (wg[0] == x ? " dx" : " dtarget"), be, wg[0], wg[1], () -> {
                be.zero(lossSum);
                run(op, losses, lossSum, null, null, x, t);
                return HostTensors.get(be, lossSum, 0);
            }, 30, 1e-2f, 2e-4, 1e-2, rng, bad);
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    private void run(String op, Tensor losses, Tensor lossSum, Tensor dx, Tensor dt, Tensor x, Tensor t) {
        if (op.equals("mse")) {
            be.mseLoss(losses, lossSum, dx, dt, x, t, 1f);
        } else {
            be.cosineLoss(losses, lossSum, dx, dt, x, t, 1f);
        }
    }
}
