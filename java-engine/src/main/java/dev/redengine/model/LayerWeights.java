package dev.redengine.model;

import dev.redengine.tensor.Tensor;

/** One decoder layer's parameters and (when training) their gradient accumulators. */
record LayerWeights(Tensor ln1, Tensor dLn1, Linear q, Linear k, Linear v, Linear o,
                    Tensor qNorm, Tensor dQNorm, Tensor kNorm, Tensor dKNorm,
                    Tensor ln2, Tensor dLn2, Linear gate, Linear up, Linear down) {

    static LayerWeights of(Parameters p, Parameters g, int layer) {
        String s = "model.layers." + layer + ".";
        return new LayerWeights(
                p.get(s + "input_layernorm.weight"), grad(g, s + "input_layernorm.weight"),
                Linear.of(p, g, s + "self_attn.q_proj"), Linear.of(p, g, s + "self_attn.k_proj"),
                Linear.of(p, g, s + "self_attn.v_proj"), Linear.of(p, g, s + "self_attn.o_proj"),
                p.find(s + "self_attn.q_norm.weight"), grad(g, s + "self_attn.q_norm.weight"),
                p.find(s + "self_attn.k_norm.weight"), grad(g, s + "self_attn.k_norm.weight"),
                p.get(s + "post_attention_layernorm.weight"), grad(g, s + "post_attention_layernorm.weight"),
                Linear.of(p, g, s + "mlp.gate_proj"), Linear.of(p, g, s + "mlp.up_proj"), Linear.of(p, g, s + "mlp.down_proj"));
    }

    private static Tensor grad(Parameters g, String name) {
        return g == null ? null : g.find(name);
    }
}
