package dev.redengine.model;

import dev.redengine.backend.Backend;

import java.util.SplittableRandom;

/** Seeded random weights: for training from scratch, and for tests and benchmarks. */
public final class RandomInit {
    private RandomInit() {
    }

    /** Draws one element given a standard normal z. */
    private interface Draw {
        float of(double z);
    }

    /**
     * Matrices N(0, std^2), norm gains 1 + N(0, 0.1^2) and biases N(0, 0.05^2), so that neither is trivially
     * 1 or 0 (the recipe of the HF golden fixtures): what gradient checks need.
     */
    public static Parameters parameters(Backend be, ModelConfig config, long seed, double std) {
        return draw(be, config, seed, z -> (float) (0.1 * z + 1), z -> (float) (0.05 * z), z -> (float) (std * z));
    }

    /**
     * The usual starting point for training: matrices N(0, std^2) (std = config initializer_range, 0.02 if
     * absent), norm gains 1, biases 0.
     */
    public static Parameters forTraining(Backend be, ModelConfig config, long seed) {
        double std = config.raw().path("initializer_range").asDouble(0.02);
        return draw(be, config, seed, z -> 1f, z -> 0f, z -> (float) (std * z));
    }

    private static Parameters draw(Backend be, ModelConfig config, long seed, Draw norm, Draw bias, Draw matrix) {
        SplittableRandom rng = new SplittableRandom(seed);
        Parameters p = Parameters.allocate(be, ParameterSpec.of(config));
        for (ParameterSpec s : ParameterSpec.of(config)) {
            Draw d = s.name().endsWith("norm.weight") ? norm : s.name().endsWith(".bias") ? bias : matrix;
            float[] v = new float[Math.toIntExact(s.numel())];
            for (int i = 0; i < v.length; i++) {
                v[i] = d.of(gaussian(rng));
            }
            be.upload(p.get(s.name()), v);
        }
        return p;
    }

    /** A standard normal draw (Box-Muller), reproducible for a given generator state. */
    public static double gaussian(SplittableRandom rng) {
        double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
