package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine against HF transformers: logits and hidden states within 1e-4 of max |ref|, the loss within
 * 1e-5, every parameter gradient within 1e-3 of its max |ref|. Abstract over the backend: each backend runs the
 * same goldens through a one-line subclass ({@link CpuHfGoldenTest}, {@code Sim{Forward,Reversed,Shuffled}HfGoldenTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HfGoldenTest {
    static final List<String> ALL = Fixtures.ALL;
    static final List<String> WITH_GRADIENTS = Fixtures.WITH_GRADIENTS;
    private Backend be;

    /** The backend under test, opened once per test-class instance and closed after its tests. */
    protected abstract Backend createBackend();

    @BeforeAll
    void open() {
        be = createBackend();
    }

    @AfterAll
    void close() {
        if (be != null) { // null when createBackend skipped the class (no simulator, no GPU)
            be.close();
        }
    }

    private record Run(CausalLM model, Activations acts, int[] ids) {
    }

    private Run forward(String name, SafetensorsFile golden) throws Exception {
        CausalLM model = HfModelReader.load(Fixtures.dir(name), be);
        long[] shape = golden.info("input_ids").shape();
        int[] ids = golden.readInt32("input_ids");
        Activations a = model.allocateActivations((int) shape[0], (int) shape[1]);
        model.setInput(a, ids);
        model.forward(a);
        return new Run(model, a, ids);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("ALL")
    void logitsHiddenStatesAndLoss(String name) throws Exception {
        try (SafetensorsFile golden = SafetensorsFile.open(Fixtures.dir(name).resolve("golden.safetensors"))) {
            Run r = forward(name, golden);
            float[] refLogits = golden.readFloat32("logits");
            double tol = 1e-4 * Fixtures.maxAbs(refLogits);
            assertTrue(Fixtures.maxDiff(refLogits, be.downloadFloats(r.acts.logits)) <= tol,
                    name + " logits differ by " + Fixtures.maxDiff(refLogits, be.downloadFloats(r.acts.logits)) + " > " + tol);
            int layers = r.model.config().numLayers();
            for (int i = 0; i <= layers; i++) {
                float[] ref = golden.readFloat32("hidden." + i);
                double diff = Fixtures.maxDiff(ref, be.downloadFloats(r.acts.hidden(i)));
                assertTrue(diff <= 1e-4 * Fixtures.maxAbs(ref), name + " hidden." + i + " differs by " + diff);
            }
            float loss = r.model.crossEntropy(r.acts, CausalLM.shiftedTargets(r.ids, r.acts.batch, r.acts.seqLen), null);
            assertEquals(golden.readFloat32("loss")[0], loss, 1e-5, name + " loss");
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("WITH_GRADIENTS")
    void everyParameterGradient(String name) throws Exception {
        try (SafetensorsFile golden = SafetensorsFile.open(Fixtures.dir(name).resolve("golden.safetensors"))) {
            Run r = forward(name, golden);
            r.model.crossEntropy(r.acts, CausalLM.shiftedTargets(r.ids, r.acts.batch, r.acts.seqLen), r.acts.logits);
            r.model.backward(r.acts, r.acts.logits);
            List<String> bad = new ArrayList<>();
            int checked = 0;
            for (Map.Entry<String, Tensor> e : r.model.gradients().asMap().entrySet()) {
                float[] ref = golden.readFloat32("grad." + e.getKey());
                double diff = Fixtures.maxDiff(ref, be.downloadFloats(e.getValue()));
                double tol = 1e-3 * Fixtures.maxAbs(ref);
                if (!(diff <= tol)) {
                    bad.add(e.getKey() + ": max diff " + diff + " > " + tol);
                }
                checked++;
            }
            assertTrue(bad.isEmpty(), name + ":\n" + String.join("\n", bad));
            long goldenGrads = golden.names().stream().filter(n -> n.startsWith("grad.")).count();
            assertEquals(goldenGrads, checked, "every golden gradient has a parameter");
        }
    }
}
