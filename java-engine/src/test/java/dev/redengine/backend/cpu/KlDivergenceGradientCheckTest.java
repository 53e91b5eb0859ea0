package dev.redengine.backend.cpu;

import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import dev.redengine.testutil.HostTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code klDivergence}'s gradient against central differences of its own loss: L = sum of the row losses
 * (T^2 KL, masked rows 0) as a function of the student logits, in both directions and at three temperatures.
 * Checks the op against itself (the derivation of T (q - p) and T q ((log q - log p) - KL), and the T^2 factor
 * of the loss it is consistent with); the conformance suite checks both against a double reference.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KlDivergenceGradientCheckTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterAll
    void close() {
        be.close();
    }

    private Tensor random(SplittableRandom rng, float scale, int... shape) {
        float[] v = new float[shape[0] * shape[1]];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        }
        return HostTensors.of(be, v, shape);
    }

    @ParameterizedTest(name = "reverse={0} T={1}")
    @CsvSource({"false, 1", "false, 2", "false, 0.5", "true, 1", "true, 2", "true, 0.5"})
    void gradientMatchesFiniteDifferences(boolean reverse, float temperature) {
        int n = 5, vocab = 37;
        SplittableRandom rng = new SplittableRandom(reverse ? 43 : 42);
        Tensor student = random(rng, 3, n, vocab), teacher = random(rng, 3, n, vocab);
        Tensor losses = be.allocate(n), lossSum = be.allocate(1), dstudent = be.allocate(n, vocab);
        Tensor mask = be.allocate(DType.I32, n);
        be.upload(mask, new int[]{1, 0, 1, 1, 1});    // row 1 does not count
        be.klDivergence(losses, lossSum, dstudent, student, teacher, mask, temperature, reverse, 1f);
        List<String> bad = new ArrayList<>();
        // Float32 losses of about 1 differ by ~1e-7 rounding over 2 eps = 2e-2: ~1e-5 noise in the difference,
        // and the curvature term eps^2 / 6 L''' stays below 1e-4 for logits of this size.
        FiniteDifference.check("dstudent", be, student, dstudent, () -> {
            be.zero(lossSum);
            be.klDivergence(losses, lossSum, null, student, teacher, mask, temperature, reverse, 1f);
            return HostTensors.get(be, lossSum, 0);
        }, 40, 1e-2f, 1e-3, 1e-2, rng, bad);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        for (int j = 0; j < vocab; j++) {
            assertEquals(0f, HostTensors.get(be, dstudent, vocab + j), "masked row's gradient");
        }
        assertEquals(0f, HostTensors.get(be, losses, 1), "masked row's loss");
    }
}
