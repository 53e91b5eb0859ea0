package dev.redengine.bench;

import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;

/** Configs for the benchmarks, built as HF config.json objects (through ConfigJson, like the tests). */
final class BenchModels {
    private BenchModels() {
    }

    /**
     * A ~10M-parameter Llama: d = 384, 6 layers, 6 heads of 64 (2 KV heads), FFN 1024, vocab 1024, untied,
     * max positions 512. 6 x 1.57M (layers) + 2 x 0.39M (embedding, head) = 10.2M parameters.
     */
    static ModelConfig llama10m() {
        return ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 384, 6, 6, 2, 64, 1024, 1024, 512, false));
    }
}
