package dev.redengine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The layer and head limits of {@link ModelConfig}, at their boundaries and with their full messages: parse
 * checks them before it uses them (heads before hidden / heads, layers against MAX_LAYERS), and the record's own
 * constructor checks them again for configs built without parse.
 */
class ModelConfigLimitsTest {

    private static ObjectNode valid() {
        return ConfigJson.decoder("LlamaForCausalLM", 16, 2, 4, 2, 6, 24, 40, 64, false);
    }

    @Test
    void layerCountUpToMaxLayersIsAccepted() {
        ObjectNode c = valid();
        c.put("num_hidden_layers", ModelConfig.MAX_LAYERS);
        assertEquals(ModelConfig.MAX_LAYERS, ModelConfig.parse(c).numLayers());
        c.put("num_hidden_layers", ModelConfig.MAX_LAYERS + 1);
        assertEquals("invalid config: num_hidden_layers = 10001 (expected 1 to 10000)",
                assertThrows(ConfigException.class, () -> ModelConfig.parse(c)).getMessage());
        c.put("num_hidden_layers", 0);
        assertEquals("invalid config: num_hidden_layers = 0 (expected 1 to 10000)",
                assertThrows(ConfigException.class, () -> ModelConfig.parse(c)).getMessage());
    }

    @Test
    void zeroHeadsAreRefusedBeforeTheHeadDimIsDerived() {
        ObjectNode c = valid();
        c.remove("head_dim");   // head_dim would be hidden / heads
        c.put("num_attention_heads", 0);
        assertEquals("invalid config: num_attention_heads = 0",
                assertThrows(ConfigException.class, () -> ModelConfig.parse(c)).getMessage());
    }

    /** The parsed base config with numLayers and numHeads replaced, through the record's constructor. */
    private static ModelConfig with(int layers, int heads) {
        ModelConfig b = ModelConfig.parse(valid());
        return new ModelConfig(b.architecture(), b.hiddenSize(), layers, heads, b.numKvHeads(), b.headDim(),
                b.intermediateSize(), b.vocabSize(), b.maxPositions(), b.rmsNormEps(), b.tieWordEmbeddings(), b.qkvBias(),
                b.oBias(), b.mlpBias(), b.rope(), b.raw());
    }

    @Test
    void theConstructorChecksLayersAndHeadsToo() {
        assertEquals(1, with(1, 2).numLayers());
        assertEquals(2, with(1, 2).numHeads());
        assertEquals("invalid config: num_hidden_layers = 0",
                assertThrows(ConfigException.class, () -> with(0, 4)).getMessage());
        assertEquals("invalid config: num_attention_heads = 0",
                assertThrows(ConfigException.class, () -> with(2, 0)).getMessage());
    }
}
