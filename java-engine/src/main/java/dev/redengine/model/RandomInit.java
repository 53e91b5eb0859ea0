package dev.redengine.model;

import dev.redengine.backend.Backend;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Seeded random weights for tests and benchmarks: matrices N(0, std^2), norm gains 1 + N(0, 0.1^2) and
 * biases N(0, 0.05^2) so that neither is trivially 1 or 0 (the same recipe as the HF golden fixtures).
 */
public final class RandomInit {
    private RandomInit() {
    }

    public static Parameters parameters(Backend be, ModelConfig config, long seed, double std) {
        SplittableRandom rng = new SplittableRandom(seed);
        Parameters p = new Parameters();
        for (ParameterSpec s : ParameterSpec.of(config)) {
            float[] v = new float[Math.toIntExact(s.numel())];
            boolean norm = s.name().endsWith("norm.weight");
            boolean bias = s.name().endsWith(".bias");
            for (int i = 0; i < v.length; i++) {
                double z = gaussian(rng);
                v[i] = (float) (norm ? 1 + 0.1 * z : bias ? 0.05 * z : std * z);
            }
            var t = be.allocate(s.shape());
            be.copyFromHost(t, MemorySegment.ofArray(v));
            p.put(s.name(), t);
        }
        return p;
    }

    /**
     * The usual starting point for training: matrices N(0, std^2) (std = config initializer_range, 0.02 if
     * absent), norm gains 1, biases 0.
     */
    public static Parameters forTraining(Backend be, ModelConfig config, long seed) {
        double std = config.raw().path("initializer_range").asDouble(0.02);
        SplittableRandom rng = new SplittableRandom(seed);
        Parameters p = new Parameters();
        for (ParameterSpec s : ParameterSpec.of(config)) {
            float[] v = new float[Math.toIntExact(s.numel())];
            boolean norm = s.name().endsWith("norm.weight");
            boolean bias = s.name().endsWith(".bias");
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? 1f : bias ? 0f : (float) (std * gaussian(rng));
            }
            var t = be.allocate(s.shape());
            be.copyFromHost(t, MemorySegment.ofArray(v));
            p.put(s.name(), t);
        }
        return p;
    }

    static double gaussian(SplittableRandom rng) {
        double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
