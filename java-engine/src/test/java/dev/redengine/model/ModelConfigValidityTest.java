package dev.redengine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ModelConfig's checks and the parts of parsing users hit that the golden fixtures do not: every validity
 * check, the transformers-4 layout (rope_theta and rope_scaling at the top level) and the attention_bias rules.
 * Inputs are built outside assertThrows, so only the call under test can satisfy it.
 */
class ModelConfigValidityTest {

    private static ObjectNode valid() {
        return ConfigJson.decoder("LlamaForCausalLM", 16, 2, 4, 2, 6, 24, 40, 64, false);
    }

    @Test
    void theBaseConfigIsValid() {
        ModelConfig c = ModelConfig.parse(valid());
        assertEquals(16, c.hiddenSize());
        assertEquals(2, c.numLayers());
        assertEquals(4, c.numHeads());
        assertEquals(2, c.numKvHeads());
        assertEquals(6, c.headDim());
        assertEquals(24, c.intermediateSize());
        assertEquals(40, c.vocabSize());
        assertEquals(64, c.maxPositions());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(24, c.qDim());
        assertEquals(12, c.kvDim());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "hidden_size, 0", "hidden_size, -16",
            "num_hidden_layers, 0", "num_hidden_layers, -1",
            "num_attention_heads, 0", "num_attention_heads, -4",
            "num_key_value_heads, 0", "num_key_value_heads, -2", "num_key_value_heads, 3",
            "head_dim, 0", "head_dim, -6", "head_dim, 5", "head_dim, 7",
            "intermediate_size, 0", "intermediate_size, -1",
            "vocab_size, 0", "vocab_size, -1",
            "max_position_embeddings, 0", "max_position_embeddings, -1",
    })
    void anInvalidSizeIsRefusedByName(String key, int value) {
        ObjectNode c = valid();
        c.put(key, value);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.parse(c));
        assertTrue(e.getMessage().startsWith("invalid config: " + key + " = " + value), e.getMessage());
    }

    @ParameterizedTest(name = "rms_norm_eps = {0}")
    @CsvSource({"0", "-1e-6"})
    void aNonPositiveEpsIsRefused(double eps) {
        ObjectNode c = valid();
        c.put("rms_norm_eps", eps);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.parse(c));
        assertTrue(e.getMessage().startsWith("invalid config: rms_norm_eps"), e.getMessage());
    }

    @ParameterizedTest(name = "heads {0}, kv {1}")
    @CsvSource({"4, 1", "4, 2", "4, 4", "6, 3", "1, 1"})
    void kvHeadsThatDivideTheHeadsAreAccepted(int heads, int kv) {
        ObjectNode c = valid();
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kv);
        ModelConfig m = ModelConfig.parse(c);
        assertEquals(heads, m.numHeads());
        assertEquals(kv, m.numKvHeads());
    }

    @Test
    void smallestValidSizesAreAccepted() {
        ObjectNode c = ConfigJson.decoder("LlamaForCausalLM", 1, 1, 1, 1, 2, 1, 1, 1, false);
        c.put("rms_norm_eps", Double.MIN_VALUE);
        ModelConfig m = ModelConfig.parse(c);
        assertEquals(1, m.hiddenSize());
        assertEquals(2, m.headDim());
    }

    @Test
    void missingOptionalKeysGetHfDefaults() {
        ObjectNode c = valid();
        c.remove("num_key_value_heads");
        c.remove("head_dim");
        c.remove("rms_norm_eps");
        c.remove("rope_parameters");
        c.put("hidden_size", 32);
        ModelConfig m = ModelConfig.parse(c);
        assertEquals(4, m.numKvHeads());
        assertEquals(8, m.headDim()); // hidden / heads
        assertEquals(1e-6, m.rmsNormEps());
        assertEquals("default", m.rope().type());
        assertEquals(10000.0, m.rope().theta());
    }

    @Test
    void transformers4LayoutReadsTopLevelRopeThetaAndScaling() {
        ObjectNode c = valid();
        c.remove("rope_parameters");
        c.put("rope_theta", 500000.0);
        ObjectNode s = c.putObject("rope_scaling");
        s.put("rope_type", "llama3");
        s.put("factor", 8.0);
        s.put("low_freq_factor", 1.0);
        s.put("high_freq_factor", 4.0);
        s.put("original_max_position_embeddings", 8192);
        RopeConfig r = ModelConfig.parse(c).rope();
        assertEquals(new RopeConfig("llama3", 500000.0, 8.0, 1.0, 4.0, 8192), r);
    }

    @Test
    void transformers4LayoutWithoutScalingIsDefaultRopeAtTheTopLevelTheta() {
        ObjectNode c = valid();
        c.remove("rope_parameters");
        c.put("rope_theta", 1000000.0);
        c.putNull("rope_scaling");
        assertEquals(RopeConfig.defaultRope(1000000.0), ModelConfig.parse(c).rope());
    }

    @Test
    void transformers4LegacyTypeKeyIsRead() {
        ObjectNode c = valid();
        c.remove("rope_parameters");
        ObjectNode s = c.putObject("rope_scaling");
        s.put("type", "linear");
        s.put("factor", 2.0);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.parse(c));
        assertEquals("unsupported rope_scaling.rope_type = \"linear\" (supported: default, llama3)", e.getMessage());
    }

    @Test
    void transformers5ThetaFallsBackToTheTopLevel() {
        ObjectNode c = valid();
        ObjectNode p = c.putObject("rope_parameters");
        p.put("rope_type", "default");
        c.put("rope_theta", 250000.0);
        assertEquals(250000.0, ModelConfig.parse(c).rope().theta());
        p.put("rope_theta", 123.0);
        assertEquals(123.0, ModelConfig.parse(c).rope().theta());
    }

    @Test
    void llama3WithAMissingKeyIsRefusedByName() {
        ObjectNode c = valid();
        ObjectNode p = c.putObject("rope_parameters");
        p.put("rope_type", "llama3");
        p.put("rope_theta", 500000.0);
        p.put("factor", 8.0);
        p.put("low_freq_factor", 1.0);
        p.put("high_freq_factor", "4");
        p.put("original_max_position_embeddings", 8192);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.parse(c));
        assertEquals("missing or non-numeric rope_parameters.high_freq_factor for rope_type llama3", e.getMessage());
    }

    /** HF: Llama/Qwen3 attention_bias puts a bias on q, k, v and o; Qwen2 always has q/k/v biases and never o. */
    @ParameterizedTest(name = "{0} attention_bias={1}")
    @CsvSource({
            "LlamaForCausalLM, false, false, false",
            "LlamaForCausalLM, true, true, true",
            "Qwen3ForCausalLM, false, false, false",
            "Qwen3ForCausalLM, true, true, true",
            "Qwen2ForCausalLM, false, true, false",
            "Qwen2ForCausalLM, true, true, false",
    })
    void attentionBiasRules(String hfClass, boolean attentionBias, boolean qkv, boolean o) {
        ObjectNode c = ConfigJson.decoder(hfClass, 16, 2, 4, 2, 6, 24, 40, 64, false);
        c.put("attention_bias", attentionBias);
        ModelConfig m = ModelConfig.parse(c);
        assertEquals(qkv, m.qkvBias(), "q/k/v bias");
        assertEquals(o, m.oBias(), "o_proj bias");
        assertEquals(o, ParameterSpec.of(m).stream().anyMatch(s -> s.name().endsWith("o_proj.bias")));
        assertEquals(qkv, ParameterSpec.of(m).stream().anyMatch(s -> s.name().endsWith("k_proj.bias")));
        assertFalse(m.mlpBias());
    }

    @Test
    void mlpBiasAndTyingAreRead() {
        ObjectNode c = valid();
        c.put("mlp_bias", true);
        c.put("tie_word_embeddings", true);
        ModelConfig m = ModelConfig.parse(c);
        assertTrue(m.mlpBias());
        assertTrue(m.tieWordEmbeddings());
        assertTrue(ParameterSpec.of(m).stream().anyMatch(s -> s.name().endsWith("down_proj.bias")));
        assertFalse(ParameterSpec.of(m).stream().anyMatch(s -> s.name().equals("lm_head.weight")));
    }

    @Test
    void architectureFromModelTypeWhenArchitecturesIsAbsentOrEmpty() {
        ObjectNode c = valid();
        c.remove("architectures");
        c.put("model_type", "qwen3");
        assertEquals(Architecture.QWEN3, ModelConfig.parse(c).architecture());
        c.putArray("architectures");
        assertEquals(Architecture.QWEN3, ModelConfig.parse(c).architecture());
        c.remove("model_type");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.parse(c));
        assertEquals("missing key: architectures (or model_type)", e.getMessage());
    }

    @Test
    void unsupportedActivationAndSlidingWindowAreRefused() {
        ObjectNode act = valid();
        act.put("hidden_act", "gelu");
        assertEquals("unsupported hidden_act = \"gelu\" (supported: silu)",
                assertThrows(ConfigException.class, () -> ModelConfig.parse(act)).getMessage());
        ObjectNode sw = valid();
        sw.put("use_sliding_window", true);
        assertThrows(ConfigException.class, () -> ModelConfig.parse(sw));
        sw.put("use_sliding_window", false);
        assertEquals(16, ModelConfig.parse(sw).hiddenSize());
    }

    @Test
    void hiddenActDefaultsToSilu() {
        ObjectNode absent = valid();
        absent.remove("hidden_act");
        assertEquals(16, ModelConfig.parse(absent).hiddenSize());
        ObjectNode nul = valid();
        nul.putNull("hidden_act");
        assertEquals(16, ModelConfig.parse(nul).hiddenSize());
    }

    @Test
    void nonIntegerSizesAreRefused() {
        ObjectNode c = valid();
        c.put("hidden_size", 16.5);
        assertEquals("invalid config: hidden_size = 16.5 (expected an integer)",
                assertThrows(ConfigException.class, () -> ModelConfig.parse(c)).getMessage());
        ObjectNode big = valid();
        big.put("vocab_size", 1L << 40);
        assertThrows(ConfigException.class, () -> ModelConfig.parse(big));
        ObjectNode missing = valid();
        missing.remove("vocab_size");
        assertEquals("missing key: vocab_size", assertThrows(ConfigException.class, () -> ModelConfig.parse(missing)).getMessage());
    }

    @Test
    void resizedChangesOnlyTheThreeWidths() throws Exception {
        ObjectNode c = valid();
        c.put("torch_dtype", "bfloat16");
        ModelConfig m = ModelConfig.parse(c);
        ModelConfig r = m.resized(8, 12, 2);
        assertEquals(8, r.hiddenSize());
        assertEquals(12, r.intermediateSize());
        assertEquals(2, r.numHeads());
        assertEquals(6, r.headDim()); // kept, although 8 / 2 = 4
        assertEquals(2, r.numKvHeads());
        assertEquals(m.numLayers(), r.numLayers());
        assertEquals(m.vocabSize(), r.vocabSize());
        assertEquals(m.rope(), r.rope());
        assertEquals("float32", r.raw().get("torch_dtype").asText());
        assertEquals("float32", r.raw().get("dtype").asText());
        assertEquals(16, m.raw().get("hidden_size").asInt(), "the original is not modified");
        ObjectNode back = (ObjectNode) new ObjectMapper().readTree(r.toJson());
        assertEquals(8, back.get("hidden_size").asInt());
        assertEquals(6, back.get("head_dim").asInt());
    }
}
