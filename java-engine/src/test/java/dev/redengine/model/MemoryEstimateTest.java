package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MemoryEstimate against what the model really allocates (a backend that counts the bytes of every tensor),
 * and its scaling: with attention saving lse [B, H, T] instead of probabilities [B, H, T, T], activations grow
 * linearly in T, so that a 10M Llama trains at B = 4, T = 4096 in a few GiB.
 */
class MemoryEstimateTest {

    /** A CpuBackend whose allocations add their bytes to {@code bytes}. */
    private static Backend counting(CpuBackend cpu, AtomicLong bytes) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, args) -> {
            if (m.getName().equals("allocate")) {
                boolean typed = args.length == 2;
                DType dtype = typed ? (DType) args[0] : DType.F32;
                bytes.addAndGet(Tensor.count((int[]) args[typed ? 1 : 0]) * dtype.byteSize());
            }
            try {
                return m.invoke(cpu, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LlamaForCausalLM", "Qwen3ForCausalLM"})
    void activationsAndScratchAreWhatTheModelAllocates(String hfClass) {
        ModelConfig c = TestModels.tiny(hfClass, false);
        int b = 2, t = 9;
        try (CpuBackend cpu = new CpuBackend(1)) {
            AtomicLong bytes = new AtomicLong();
            Backend be = counting(cpu, bytes);
            CausalLM model = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.02), be);
            model.allocateActivations(b, t);   // also allocates the RoPE tables once
            model.gradients();
            bytes.set(0);
            Activations a = model.allocateActivations(b, t);
            MemoryEstimate m = MemoryEstimate.of(c, b, t);
            assertEquals(m.activationBytes(), bytes.get(), "activations");
            int[] ids = new int[b * t];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i % c.vocabSize();
            }
            model.setInput(a, ids);
            model.forward(a);
            model.crossEntropy(a, CausalLM.shiftedTargets(ids, b, t), a.logits);
            bytes.set(0);
            model.backward(a, a.logits);   // allocates its activation-gradient scratch on first use
            assertEquals(m.backwardScratchBytes(), bytes.get(), "backward scratch");
        }
    }

    @Test
    void linearInSequenceLength() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 256, 8, 8, 4, 32, 704, 8192, 8192, false));
        for (int t : new int[] {256, 1024, 4096}) {
            // affine in T: doubling T again adds twice what the first doubling added (no T^2 term)
            MemoryEstimate m = MemoryEstimate.of(c, 4, t), m2 = MemoryEstimate.of(c, 4, 2 * t), m4 = MemoryEstimate.of(c, 4, 4 * t);
            assertEquals(2 * (m2.activationBytes() - m.activationBytes()), m4.activationBytes() - m2.activationBytes(), "T = " + t);
            assertEquals(2 * m.backwardScratchBytes(), m2.backwardScratchBytes(), "T = " + t);
        }
        // the benchmarks' 10M Llama at B = 4, T = 4096: ~3 GiB (probabilities alone were 16 GiB)
        long training = MemoryEstimate.of(c, 4, 4096).trainingBytes();
        assertTrue(training > (2L << 30) && training < (4L << 30), MemoryEstimate.human(training));
    }
}
