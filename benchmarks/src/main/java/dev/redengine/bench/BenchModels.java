package dev.redengine.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.model.ModelConfig;

/** Configs for the benchmarks, built as HF config.json objects (as the tests' TestModels does). */
final class BenchModels {
    private BenchModels() {
    }

    /**
     * A ~10M-parameter Llama: d = 384, 6 layers, 6 heads of 64 (2 KV heads), FFN 1024, vocab 1024, untied,
     * max positions 512. 6 x 1.57M (layers) + 2 x 0.39M (embedding, head) = 10.2M parameters.
     */
    static ModelConfig llama10m() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", 384);
        c.put("num_hidden_layers", 6);
        c.put("num_attention_heads", 6);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", 64);
        c.put("intermediate_size", 1024);
        c.put("vocab_size", 1024);
        c.put("max_position_embeddings", 512);
        c.put("rms_norm_eps", 1e-5);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_theta", 10000.0);
        rope.put("rope_type", "default");
        return ModelConfig.parse(c);
    }
}
