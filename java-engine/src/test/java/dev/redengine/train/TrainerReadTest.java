package dev.redengine.train;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * LmTrainer.read reports the mean loss of the steps since the last read (each batch's loss taken before its
 * update, from a copy of the model at that point), evaluate reads the ids it is given, and AdamW's checks.
 */
class TrainerReadTest {
    private final CpuBackend be = new CpuBackend(2);
    private static final ModelConfig C = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 13, 16, false));

    @AfterEach
    void close() {
        be.close();
    }

    /** The mean loss on ids of a fresh model holding a copy of m's current weights. */
    private float lossOfACopy(CausalLM m, int[] ids, int b, int t) {
        Parameters p = Parameters.allocateLike(be, m.parameters());
        m.parameters().asMap().forEach((n, x) -> be.upload(p.get(n), be.downloadFloats(x)));
        CausalLM copy = new CausalLM(C, p, be);
        Activations a = copy.allocateActivations(b, t);
        copy.setInput(a, ids);
        copy.forward(a);
        return copy.crossEntropy(a, CausalLM.shiftedTargets(ids, b, t), null);
    }

    @Test
    void readIsTheMeanLossSinceTheLastRead() {
        CausalLM m = new CausalLM(C, RandomInit.parameters(be, C, 1, 0.3), be);
        LmTrainer t = new LmTrainer(m, AdamW.Settings.defaults(), new LrSchedule(1e-2, 0, 10, 0.1), 2, 4);
        SplittableRandom rng = new SplittableRandom(4);
        int[] a = rng.ints(8, 0, 13).toArray(), b = rng.ints(8, 0, 13).toArray(), c = rng.ints(8, 0, 13).toArray();
        float la = lossOfACopy(m, a, 2, 4);
        t.step(a);
        LmTrainer.Metrics first = t.read();
        assertEquals(1, first.step());
        assertEquals(la, first.loss(), 1e-5 * la);
        float lb = lossOfACopy(m, b, 2, 4);
        t.step(b);
        float lc = lossOfACopy(m, c, 2, 4);
        t.step(c);
        LmTrainer.Metrics second = t.read();   // two steps of 6 targets each: the mean of their means
        assertEquals(3, second.step());
        assertEquals((lb + lc) / 2, second.loss(), 1e-5 * (lb + lc));
        assertEquals(Float.NaN, t.read().loss(), "no steps since the last read");
        // evaluate reads the ids it is given, not the last step's
        assertEquals(lossOfACopy(m, a, 2, 4), t.evaluate(a), 1e-6);
        assertEquals(lossOfACopy(m, b, 2, 4), t.evaluate(b), 1e-6);
    }

    @Test
    void firstNonFiniteGradientZeroesBetweenTensors() {
        List<ParameterSpec> specs = List.of(new ParameterSpec("a", 1), new ParameterSpec("b", 1), new ParameterSpec("c", 1));
        Parameters p = Parameters.allocate(be, specs), g = Parameters.allocate(be, specs);
        AdamW opt = new AdamW(be, AdamW.Settings.defaults(), p, g, new LrSchedule(1e-3, 0, 2, 0));
        assertNull(opt.firstNonFiniteGradient());
        // each square (2.25e38) fits a float, their sum does not: only c is non-finite
        be.upload(g.get("a"), new float[]{1.5e19f});
        be.upload(g.get("b"), new float[]{1.5e19f});
        be.upload(g.get("c"), new float[]{Float.NaN});
        assertEquals("c", opt.firstNonFiniteGradient());
    }

    @Test
    void gradientsMustMatchTheParameters() {
        List<ParameterSpec> specs = List.of(new ParameterSpec("w", 2, 2), new ParameterSpec("v", 2));
        Parameters p = Parameters.allocate(be, specs);
        Parameters missing = Parameters.allocate(be, List.of(new ParameterSpec("w", 2, 2)));
        LrSchedule s = new LrSchedule(1e-3, 0, 2, 0);
        assertEquals("no gradient of shape " + p.get("v") + " for v", assertThrows(IllegalArgumentException.class,
                () -> new AdamW(be, AdamW.Settings.defaults(), p, missing, s)).getMessage());
        Parameters wrongShape = Parameters.allocate(be, List.of(new ParameterSpec("w", 4, 1), new ParameterSpec("v", 2)));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(be, AdamW.Settings.defaults(), p, wrongShape, s));
        Parameters loose = new Parameters();
        loose.put("w", be.allocate(2, 2));
        loose.put("v", be.allocate(2));
        Parameters looseParams = new Parameters();
        looseParams.put("w", be.allocate(2, 2));
        looseParams.put("v", be.allocate(2));
        new AdamW(be, AdamW.Settings.defaults(), looseParams, loose, s);   // same layout: fine
        Parameters twoSpans = Parameters.allocate(be, List.of(new ParameterSpec("w", 2, 2), new ParameterSpec("v", 2), new ParameterSpec("u", 3)));
        Parameters threeLoose = new Parameters();
        threeLoose.put("w", be.allocate(2, 2));
        threeLoose.put("v", be.allocate(2));
        threeLoose.put("u", be.allocate(3));
        assertEquals("parameters and gradients are laid out differently", assertThrows(IllegalArgumentException.class,
                () -> new AdamW(be, AdamW.Settings.defaults(), threeLoose, twoSpans, s)).getMessage());
    }
}
