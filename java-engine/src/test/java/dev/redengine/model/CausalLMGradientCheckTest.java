package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.FiniteDifference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole-model finite-difference check: for a sample of entries of every parameter, the analytic gradient of
 * the mean causal-LM loss equals (L(w + e) - L(w - e)) / 2e.
 */
class CausalLMGradientCheckTest {

    @ParameterizedTest
    @CsvSource({"LlamaForCausalLM,false", "LlamaForCausalLM,true", "Qwen2ForCausalLM,false", "Qwen3ForCausalLM,false"})
    void gradientsMatchFiniteDifferences(String arch, boolean tied) {
        try (CpuBackend be = new CpuBackend(2)) {
            ModelConfig c = TestModels.tiny(arch, tied);
            CausalLM model = new CausalLM(c, RandomInit.parameters(be, c, 7, 0.3), be);
            int batch = 2, seqLen = 5;
            int[] ids = new SplittableRandom(3).ints(batch * seqLen, 0, c.vocabSize()).toArray();
            int[] targets = CausalLM.shiftedTargets(ids, batch, seqLen);
            Activations a = model.allocateActivations(batch, seqLen);
            model.setInput(a, ids);
            model.forward(a);
            model.crossEntropy(a, targets, a.logits);
            model.backward(a, a.logits);

            SplittableRandom pick = new SplittableRandom(11);
            List<String> failures = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : model.parameters().asMap().entrySet()) {
                Tensor w = e.getValue();
                Tensor g = model.gradients().get(e.getKey());
                FiniteDifference.check(e.getKey(), be, w, g, () -> loss(model, a, targets), 8, 1e-2f, 1e-4, 5e-3, pick, failures);
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        }
    }

    private static double loss(CausalLM model, Activations a, int[] targets) {
        model.forward(a);
        return model.crossEntropy(a, targets, null);
    }
}
