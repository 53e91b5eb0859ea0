package dev.redengine.compress;

import dev.redengine.backend.Backend;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Minitron-style hard width pruning to a plain, smaller model: keep residual channels, FFN neurons (per
 * layer) and query heads (per layer), slicing every weight that touches them. KV heads and head_dim stay;
 * q_norm / k_norm act on head_dim and are copied.
 */
public final class WidthPruner {
    private WidthPruner() {
    }

    /**
     * What to keep; every index array ascending.
     *
     * @param channels residual channels [d']
     * @param neurons  per layer, FFN neurons [L][F']
     * @param heads    per layer, query heads [L][H'] (H' a multiple of the KV heads, the same count per group)
     */
    public record Plan(int[] channels, int[][] neurons, int[][] heads) {
    }

    public record Result(ModelConfig config, Parameters parameters) {
    }

    /** Keeps everything but the residual channels. */
    public static Plan channelsOnly(ModelConfig c, int[] channels) {
        int[] all = IntStream.range(0, c.intermediateSize()).toArray();
        int[] allHeads = IntStream.range(0, c.numHeads()).toArray();
        int[][] n = new int[c.numLayers()][], h = new int[c.numLayers()][];
        Arrays.setAll(n, l -> all);
        Arrays.setAll(h, l -> allHeads);
        return new Plan(channels, n, h);
    }

    public static Result prune(ModelConfig c, Parameters teacher, Plan plan, NormInit gains, Backend be) {
        int d = c.hiddenSize(), dh = c.headDim();
        int heads2 = plan.heads()[0].length, ffn2 = plan.neurons()[0].length;
        ModelConfig out = c.resized(plan.channels().length, ffn2, heads2);
        Parameters p = Parameters.allocate(be, ParameterSpec.of(out));
        for (ParameterSpec s : ParameterSpec.of(out)) {
            String name = s.name();
            int layer = layerOf(name);
            int[] g = plan.channels();
            int[] neurons = layer >= 0 ? plan.neurons()[layer] : null;
            int[] qRows = layer >= 0 ? headRows(plan.heads()[layer], dh) : null;
            float[] src = be.downloadFloats(teacher.get(name));
            float[] w;
            if (name.endsWith("norm.weight") && !name.contains("self_attn.")) {
                w = gains == NormInit.ONES ? ones(g.length) : gather(src, 1, d, null, g);
            } else if (name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight")) {
                w = gather(src, c.vocabSize(), d, null, g);
            } else if (name.endsWith("q_proj.weight")) {
                w = gather(src, c.qDim(), d, qRows, g);
            } else if (name.endsWith("q_proj.bias")) {
                w = gather(src, 1, c.qDim(), null, qRows);
            } else if (name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight")) {
                w = gather(src, c.kvDim(), d, null, g);
            } else if (name.endsWith("o_proj.weight")) {
                w = gather(src, d, c.qDim(), g, qRows);
            } else if (name.endsWith("gate_proj.weight") || name.endsWith("up_proj.weight")) {
                w = gather(src, c.intermediateSize(), d, neurons, g);
            } else if (name.endsWith("gate_proj.bias") || name.endsWith("up_proj.bias")) {
                w = gather(src, 1, c.intermediateSize(), null, neurons);
            } else if (name.endsWith("down_proj.weight")) {
                w = gather(src, d, c.intermediateSize(), g, neurons);
            } else if (name.endsWith("o_proj.bias") || name.endsWith("down_proj.bias")) {
                w = gather(src, 1, d, null, g);
            } else {
                w = src; // k/v biases, q_norm, k_norm: untouched dimensions
            }
            be.upload(p.get(name), w);
        }
        return new Result(out, p);
    }

    /** Query heads to keep in each KV group: the top H'/KV by importance within every group. */
    public static int[] headsByGroup(double[] importance, int keep, int kvHeads) {
        int heads = importance.length, group = heads / kvHeads;
        if (keep % kvHeads != 0 || keep <= 0 || keep > heads) {
            throw new IllegalArgumentException("--heads " + keep + " must be a positive multiple of num_key_value_heads = "
                    + kvHeads + " and at most " + heads);
        }
        int perGroup = keep / kvHeads;
        int[] kept = new int[keep];
        for (int g = 0; g < kvHeads; g++) {
            double[] sub = Arrays.copyOfRange(importance, g * group, (g + 1) * group);
            int[] top = ChannelSelection.topK(sub, perGroup);
            for (int i = 0; i < perGroup; i++) {
                kept[g * perGroup + i] = g * group + top[i];
            }
        }
        return kept;
    }

    private static int layerOf(String name) {
        if (!name.startsWith("model.layers.")) {
            return -1;
        }
        int start = "model.layers.".length();
        return Integer.parseInt(name.substring(start, name.indexOf('.', start)));
    }

    private static int[] headRows(int[] heads, int dh) {
        int[] rows = new int[heads.length * dh];
        for (int i = 0; i < heads.length; i++) {
            for (int j = 0; j < dh; j++) {
                rows[i * dh + j] = heads[i] * dh + j;
            }
        }
        return rows;
    }

    /** w[rows][cols] restricted to keepRows x keepCols (null = all). */
    static float[] gather(float[] w, int rows, int cols, int[] keepRows, int[] keepCols) {
        int[] r = keepRows != null ? keepRows : IntStream.range(0, rows).toArray();
        int[] k = keepCols != null ? keepCols : IntStream.range(0, cols).toArray();
        float[] out = new float[r.length * k.length];
        for (int i = 0; i < r.length; i++) {
            for (int j = 0; j < k.length; j++) {
                out[i * k.length + j] = w[r[i] * cols + k[j]];
            }
        }
        return out;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return v;
    }
}
