package dev.redengine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small configs for tests, built as HF config.json objects so that parsing is exercised too. */
public final class TestModels {
    private TestModels() {
    }

    public static ObjectNode json(String hfClass, int hidden, int layers, int heads, int kvHeads, int headDim,
                                  int ffn, int vocab, boolean tied) {
        return ConfigJson.decoder(hfClass, hidden, layers, heads, kvHeads, headDim, ffn, vocab, 64, tied);
    }

    public static ModelConfig tiny(String hfClass, boolean tied) {
        return ModelConfig.parse(json(hfClass, 16, 2, 4, 2, 6, 24, 40, tied));
    }
}
