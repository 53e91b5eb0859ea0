package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link InjectedGradients}' own checks: every entry, at every layer (residual up to L), is checked against the
 * model's width for it and against N, naming the first one that does not fit; the layer count must match; and
 * {@link InjectedGradients#injectsBlockOutputs} sees a block output at any layer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InjectedGradientsTest {
    private static final ModelConfig C = TestModels.tiny("Qwen3ForCausalLM", false);   // d 16, L 2, H 4, KV 2, D 6, F 24
    private static final int N = 5;
    private final CpuBackend be = new CpuBackend(1);

    @AfterAll
    void close() {
        be.close();
    }

    /** Entry {@code name}'s array, and the width the model gives it. */
    private record Entry(Tensor[] array, int width) {
    }

    private static Entry entry(InjectedGradients inj, String name) {
        return switch (name) {
            case "q" -> new Entry(inj.q, C.qDim());
            case "k" -> new Entry(inj.k, C.kvDim());
            case "v" -> new Entry(inj.v, C.kvDim());
            case "gate" -> new Entry(inj.gate, C.intermediateSize());
            case "up" -> new Entry(inj.up, C.intermediateSize());
            case "attentionOutput" -> new Entry(inj.attentionOutput, C.hiddenSize());
            case "mlpOutput" -> new Entry(inj.mlpOutput, C.hiddenSize());
            case "residual" -> new Entry(inj.residual, C.hiddenSize());
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static final String[] NAMES = {"q", "k", "v", "gate", "up", "attentionOutput", "mlpOutput", "residual"};

    /** Every entry at every layer it has. */
    static Stream<Arguments> entries() {
        return Stream.of(NAMES).flatMap(name -> IntStream.rangeClosed(0, name.equals("residual") ? C.numLayers() : C.numLayers() - 1)
                .mapToObj(l -> Arguments.of(name, l)));
    }

    /** Every entry filled with a tensor of the right shape. */
    private InjectedGradients full() {
        InjectedGradients inj = new InjectedGradients(C.numLayers());
        for (String name : NAMES) {
            Entry e = entry(inj, name);
            for (int l = 0; l < e.array.length; l++) {
                e.array[l] = be.allocate(N, e.width);
            }
        }
        return inj;
    }

    @ParameterizedTest
    @MethodSource("entries")
    void aWrongWidthOrTokenCountIsNamed(String name, int layer) {
        InjectedGradients inj = full();
        assertDoesNotThrow(() -> inj.check(C, N), "every entry fits");
        Tensor[] array = entry(inj, name).array;
        int width = entry(inj, name).width;

        array[layer] = be.allocate(N, width + 1);
        assertEquals("injected gradient " + name + "[" + layer + "] is TensorF32[" + N + ", " + (width + 1) + "], expected ["
                + N + ", " + width + "]", assertThrows(IllegalArgumentException.class, () -> inj.check(C, N)).getMessage());
        array[layer] = be.allocate(N - 1, width);
        assertEquals("injected gradient " + name + "[" + layer + "] is TensorF32[" + (N - 1) + ", " + width + "], expected ["
                + N + ", " + width + "]", assertThrows(IllegalArgumentException.class, () -> inj.check(C, N)).getMessage());
        // [1, N, width]: rows are counted over the leading dimensions
        array[layer] = be.allocate(1, N, width);
        assertDoesNotThrow(() -> inj.check(C, N));
        array[layer] = null;
        assertDoesNotThrow(() -> inj.check(C, N), "null injects nothing and is not checked");
    }

    @Test
    void theLayerCountMustMatch() {
        assertEquals("injected gradients for 3 layers, the model has 2",
                assertThrows(IllegalArgumentException.class, () -> new InjectedGradients(3).check(C, N)).getMessage());
        assertEquals("injected gradients for 1 layers, the model has 2",
                assertThrows(IllegalArgumentException.class, () -> new InjectedGradients(1).check(C, N)).getMessage());
        InjectedGradients empty = new InjectedGradients(2);
        assertDoesNotThrow(() -> empty.check(C, N));
        assertEquals(3, empty.residual.length, "residual holds L + 1 entries");
    }

    @ParameterizedTest
    @MethodSource("entries")
    void blockOutputsAreSeenAtAnyLayer(String name, int layer) {
        InjectedGradients inj = new InjectedGradients(C.numLayers());
        assertFalse(inj.injectsBlockOutputs(), "none");
        entry(inj, name).array[layer] = be.allocate(N, entry(inj, name).width);
        boolean block = name.equals("attentionOutput") || name.equals("mlpOutput");
        assertEquals(block, inj.injectsBlockOutputs(), name + "[" + layer + "]");
    }
}
