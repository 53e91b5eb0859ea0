package dev.redengine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One named parameter (HF name) and its shape. */
public record ParameterSpec(String name, int... shape) {

    /** Every parameter a config implies, in HF's order, with HF names. Tied models have no lm_head.weight. */
    public static List<ParameterSpec> of(ModelConfig c) {
        List<ParameterSpec> specs = new ArrayList<>();
        int d = c.hiddenSize(), f = c.intermediateSize();
        specs.add(new ParameterSpec("model.embed_tokens.weight", c.vocabSize(), d));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            specs.add(new ParameterSpec(p + "input_layernorm.weight", d));
            linear(specs, p + "self_attn.q_proj", c.qDim(), d, c.qkvBias());
            linear(specs, p + "self_attn.k_proj", c.kvDim(), d, c.qkvBias());
            linear(specs, p + "self_attn.v_proj", c.kvDim(), d, c.qkvBias());
            linear(specs, p + "self_attn.o_proj", d, c.qDim(), c.oBias());
            if (c.qkNorm()) {
                specs.add(new ParameterSpec(p + "self_attn.q_norm.weight", c.headDim()));
                specs.add(new ParameterSpec(p + "self_attn.k_norm.weight", c.headDim()));
            }
            specs.add(new ParameterSpec(p + "post_attention_layernorm.weight", d));
            linear(specs, p + "mlp.gate_proj", f, d, c.mlpBias());
            linear(specs, p + "mlp.up_proj", f, d, c.mlpBias());
            linear(specs, p + "mlp.down_proj", d, f, c.mlpBias());
        }
        specs.add(new ParameterSpec("model.norm.weight", d));
        if (!c.tieWordEmbeddings()) {
            specs.add(new ParameterSpec("lm_head.weight", c.vocabSize(), d));
        }
        return specs;
    }

    private static void linear(List<ParameterSpec> specs, String prefix, int out, int in, boolean bias) {
        specs.add(new ParameterSpec(prefix + ".weight", out, in));
        if (bias) {
            specs.add(new ParameterSpec(prefix + ".bias", out));
        }
    }

    public long numel() {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
