package dev.redengine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds an HF {@code config.json} object for a decoder of given sizes (default RoPE, theta 1e4, SiLU,
 * eps 1e-5), so that tests, benchmarks and tools make models through the same parsing path as a real folder.
 */
public final class ConfigJson {
    private ConfigJson() {
    }

    public static ObjectNode decoder(String hfClass, int hidden, int layers, int heads, int kvHeads, int headDim,
                                     int ffn, int vocab, int maxPositions, boolean tied) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(hfClass);
        c.put("hidden_size", hidden);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("intermediate_size", ffn);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", 1e-5);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tied);
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_theta", 10000.0);
        rope.put("rope_type", "default");
        return c;
    }
}
