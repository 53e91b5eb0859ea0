package dev.redengine.compress;

import dev.redengine.backend.Backend;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;

/**
 * "Traditional" channel importance from weights alone: for residual channel c, the L2 norm of everything
 * that reads or writes it — column c of the embedding, the LM head and every input-side projection
 * (q, k, v, gate, up), and row c of every output-side projection (o, down) — i.e.
 * sqrt(sum over those matrices of the squared entries in channel c). Norm gains are not included.
 */
public final class MagnitudeImportance {
    private MagnitudeImportance() {
    }

    public static double[] of(ModelConfig config, Parameters params, Backend be) {
        int d = config.hiddenSize();
        double[] sq = new double[d];
        for (ParameterSpec s : ParameterSpec.of(config)) {
            if (s.shape().length != 2) {
                continue;
            }
            float[] w = be.downloadFloats(params.get(s.name()));
            boolean outputSide = s.name().endsWith("o_proj.weight") || s.name().endsWith("down_proj.weight");
            int rows = s.shape()[0], cols = s.shape()[1];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double v = w[r * cols + c];
                    sq[outputSide ? r : c] += v * v;
                }
            }
        }
        for (int c = 0; c < d; c++) {
            sq[c] = Math.sqrt(sq[c]);
        }
        return sq;
    }
}
