package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CausalLM#prepareBackward}: after it, a backward pass of that shape allocates nothing (what a training
 * loop relies on), measured as the backend arena's allocated bytes. Scratch is made again only when N changes or
 * when block-output injections need their extra buffer, and that buffer is kept once made.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CausalLMPrepareBackwardTest {
    private final CpuBackend be = new CpuBackend(1);

    @AfterAll
    void close() {
        be.close();
    }

    private long allocated() {
        return be.arena().allocatedBytes();
    }

    private static void backward(CausalLM lm, Activations a, InjectedGradients inj) {
        lm.forward(a);
        lm.backward(a, a.logits, inj);   // any dlogits will do: only allocation is measured
    }

    @Test
    void aPreparedBackwardPassAllocatesNothing() {
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
        CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.1), be);
        Activations eight = lm.allocateActivations(2, 4), four = lm.allocateActivations(1, 4);
        lm.setInput(eight, new int[]{1, 2, 3, 4, 5, 6, 7, 8});
        lm.setInput(four, new int[]{1, 2, 3, 4});

        long before = allocated();
        lm.prepareBackward(eight);
        long prepared = allocated();
        assertTrue(prepared > before, "gradients and scratch are allocated by prepareBackward");
        backward(lm, eight, null);
        lm.prepareBackward(eight);
        assertEquals(prepared, allocated(), "same shape: nothing more");

        lm.prepareBackward(four);
        long four1 = allocated();
        assertTrue(four1 > prepared, "another N: new scratch");
        backward(lm, four, null);
        assertEquals(four1, allocated());

        InjectedGradients inj = new InjectedGradients(c.numLayers());
        inj.mlpOutput[1] = be.allocate(4, c.hiddenSize());
        long withInjection = allocated();
        lm.prepareBackward(four, inj);
        long withBlock = allocated();
        assertTrue(withBlock > withInjection, "block outputs injected: scratch with the extra buffer");
        backward(lm, four, inj);
        lm.prepareBackward(four);
        lm.prepareBackward(four, inj);
        backward(lm, four, null);
        assertEquals(withBlock, allocated(), "the extra buffer is kept for later passes, injected or not");
    }
}
