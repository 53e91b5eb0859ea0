package dev.redengine.distill;

import dev.redengine.model.RandomInit;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How the student's projections W^p [d, d'] start (RED-METHOD sections 2 and 3).
 * RANDOM is LRC's N(0, 0.02^2); ORTHOGONAL has orthonormal columns; SELECTION is RED's (or magnitude's)
 * H with H[G_k, k] = 1, so that the student at step 0 is the teacher hard-pruned to channels G.
 */
public sealed interface ProjectionInit {

    /** Fills p [d, d'] row-major. */
    void fill(float[] p, int d, int dPrime, SplittableRandom rng);

    record Random(double std) implements ProjectionInit {
        public static final Random LRC = new Random(0.02);

        @Override
        public void fill(float[] p, int d, int dPrime, SplittableRandom rng) {
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (std * gaussian(rng));
            }
        }
    }

    record Orthogonal() implements ProjectionInit {
        /** Gaussian columns made orthonormal by modified Gram-Schmidt in double precision. */
        @Override
        public void fill(float[] p, int d, int dPrime, SplittableRandom rng) {
            double[][] cols = new double[dPrime][d];
            for (int k = 0; k < dPrime; k++) {
                double[] v = cols[k];
                for (int attempt = 0; ; attempt++) {
                    for (int i = 0; i < d; i++) {
                        v[i] = gaussian(rng);
                    }
                    for (int j = 0; j < k; j++) {
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += v[i] * cols[j][i];
                        }
                        for (int i = 0; i < d; i++) {
                            v[i] -= dot * cols[j][i];
                        }
                    }
                    double norm = Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
                    if (norm > 1e-6 || attempt > 10) {
                        for (int i = 0; i < d; i++) {
                            v[i] /= norm;
                        }
                        break;
                    }
                }
            }
            for (int i = 0; i < d; i++) {
                for (int k = 0; k < dPrime; k++) {
                    p[i * dPrime + k] = (float) cols[k][i];
                }
            }
        }
    }

    /** The selection matrix of the kept channels (ascending indices, one per student channel). */
    record Selection(int[] channels) implements ProjectionInit {
        @Override
        public void fill(float[] p, int d, int dPrime, SplittableRandom rng) {
            if (channels.length != dPrime) {
                throw new IllegalArgumentException(channels.length + " channels selected for a width of " + dPrime);
            }
            Arrays.fill(p, 0f);
            for (int k = 0; k < dPrime; k++) {
                if (channels[k] < 0 || channels[k] >= d) {
                    throw new IllegalArgumentException("channel " + channels[k] + " outside [0, " + d + ")");
                }
                p[channels[k] * dPrime + k] = 1f;
            }
        }
    }

    static double gaussian(SplittableRandom rng) {
        return RandomInit.gaussian(rng);
    }
}
