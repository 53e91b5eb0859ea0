package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * CausalLM.accumulateDistillLoss against a host reference: per token T^2 KL(p || q) with p, q the softmaxes at
 * temperature T of the teacher's and the student's logits (KL(q || p) when reverse); the loss sum is their sum
 * and dlogits the gradient of their mean over the N tokens, T (q - p) / N for the forward direction.
 */
class DistillLossReferenceTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private static double[] softmax(float[] z, int row, int v, double temp) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, z[row * v + j] / temp);
        }
        double[] p = new double[v];
        double sum = 0;
        for (int j = 0; j < v; j++) {
            p[j] = Math.exp(z[row * v + j] / temp - max);
            sum += p[j];
        }
        for (int j = 0; j < v; j++) {
            p[j] /= sum;
        }
        return p;
    }

    @ParameterizedTest(name = "T {0}, reverse {1}")
    @CsvSource({"1.0, false", "2.0, false", "1.5, true"})
    void lossAndGradientMatchTheReference(float temp, boolean reverse) {
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
        int b = 2, t = 3, n = b * t, v = c.vocabSize();
        CausalLM teacher = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.5), be);
        CausalLM student = new CausalLM(c, RandomInit.parameters(be, c, 2, 0.5), be);
        int[] ids = new SplittableRandom(3).ints(n, 0, v).toArray();
        Activations ta = teacher.allocateActivations(b, t);
        teacher.setInput(ta, ids);
        teacher.forward(ta);
        Activations sa = student.allocateActivations(b, t);
        student.setInput(sa, ids);
        student.forward(sa);
        float[] tz = be.downloadFloats(ta.logits), sz = be.downloadFloats(sa.logits);
        Tensor dlogits = be.allocate(n, v), lossSum = be.allocate(1);
        assertEquals(n, student.accumulateDistillLoss(sa, ta.logits, temp, reverse, dlogits, lossSum));
        float[] g = be.downloadFloats(dlogits);
        double total = 0;
        for (int r = 0; r < n; r++) {
            double[] p = softmax(tz, r, v, temp), q = softmax(sz, r, v, temp);
            double kl = 0;
            for (int j = 0; j < v; j++) {
                kl += reverse ? q[j] * Math.log(q[j] / p[j]) : p[j] * Math.log(p[j] / q[j]);
            }
            total += temp * temp * kl;
            if (!reverse) {
                for (int j = 0; j < v; j++) {
                    double want = temp * (q[j] - p[j]) / n;
                    assertEquals(want, g[r * v + j], 1e-6 + 1e-4 * Math.abs(want), "dlogits[" + r + ", " + j + "]");
                }
            } else {
                // reverse: d/ds T^2 KL(q || p) = T q (log q - log p - KL), over N
                double klRow = 0;
                for (int j = 0; j < v; j++) {
                    klRow += q[j] * Math.log(q[j] / p[j]);
                }
                for (int j = 0; j < v; j++) {
                    double want = temp * q[j] * (Math.log(q[j] / p[j]) - klRow) / n;
                    assertEquals(want, g[r * v + j], 1e-6 + 1e-4 * Math.abs(want), "dlogits[" + r + ", " + j + "]");
                }
            }
        }
        assertEquals(total, be.downloadFloats(lossSum)[0], 1e-4 * Math.abs(total) + 1e-6, "loss sum");
    }
}
