package dev.redengine.compress;

import dev.redengine.backend.Backend;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.CausalLM;
import dev.redengine.model.MemoryEstimate;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.RandomInit;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * CalibrationRun allocates activations once per batch shape (full batches reuse theirs), refuses a batch size
 * below 1; ActivationStatistics refuses every read before data; NormInit parses its two names.
 */
class CalibrationRunEdgesTest {
    private final CpuBackend cpu = new CpuBackend(2);

    @AfterEach
    void close() {
        cpu.close();
    }

    /** The CPU backend, adding the bytes of every allocation to {@code bytes}. */
    private Backend counting(AtomicLong bytes) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, (p, m, args) -> {
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

    @Test
    void fullBatchesReuseTheirActivations() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 11, 16, false));
        AtomicLong bytes = new AtomicLong();
        Backend be = counting(bytes);
        CausalLM lm = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.2), be);
        int t = 4;
        lm.allocateActivations(1, t);   // the RoPE tables, once
        CalibrationSet set = new CalibrationSet(new int[7][t], "zeros");
        int[] batches = {0};
        bytes.set(0);
        CalibrationRun.forEachBatch(lm, set, 3, a -> batches[0]++);   // 3 + 3 + 1
        assertEquals(3, batches[0]);
        assertEquals(MemoryEstimate.of(c, 3, t).activationBytes() + MemoryEstimate.of(c, 1, t).activationBytes(), bytes.get());
        CalibrationSet one = new CalibrationSet(new int[2][t], "zeros");
        assertEquals("batch size must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> CalibrationRun.forEachBatch(lm, one, 0, a -> { })).getMessage());
    }

    @Test
    void everyStatisticNeedsData() {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 11, 16, false));
        ActivationStatistics s = new ActivationStatistics(c);
        assertEquals(0, s.sequences());
        assertEquals(0, s.tokens());
        assertEquals("no calibration sequences were accepted", assertThrows(IllegalStateException.class, s::redPerLayer).getMessage());
        assertThrows(IllegalStateException.class, s::redImportance);
        assertThrows(IllegalStateException.class, s::minitronChannels);
        assertThrows(IllegalStateException.class, s::minitronNeurons);
        assertThrows(IllegalStateException.class, s::minitronHeads);
    }

    @Test
    void normInitNames() {
        assertEquals(NormInit.TEACHER, NormInit.parse("teacher"));
        assertEquals(NormInit.ONES, NormInit.parse("ones"));
        assertEquals("unknown --norm-init Ones (teacher or ones)",
                assertThrows(IllegalArgumentException.class, () -> NormInit.parse("Ones")).getMessage());
    }
}
