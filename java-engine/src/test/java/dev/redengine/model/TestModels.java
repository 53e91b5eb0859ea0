package dev.redengine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small configs for tests, built as HF config.json objects so that parsing is exercised too. */
public final class TestModels {
    private TestModels() {
    }

    public static ObjectNode json(String hfClass, int hidden, int layers, int heads, int kvHeads, int headDim,
                                  int ffn, int vocab, boolean tied) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(hfClass);
        c.put("hidden_size", hidden);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("intermediate_size", ffn);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", 64);
        c.put("rms_norm_eps", 1e-5);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tied);
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_theta", 10000.0);
        rope.put("rope_type", "default");
        return c;
    }

    public static ModelConfig tiny(String hfClass, boolean tied) {
        return ModelConfig.parse(json(hfClass, 16, 2, 4, 2, 6, 24, 40, tied));
    }
}
