package dev.redengine.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * What red-engine reads from an HF {@code config.json}. Unknown keys are ignored; keys that would change the
 * computation in a way the engine does not implement are rejected with their name and value.
 *
 * @param raw the parsed file, kept so that a narrower model can be written back with only its sizes changed
 */
public record ModelConfig(Architecture architecture, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
                          int headDim, int intermediateSize, int vocabSize, int maxPositions, double rmsNormEps,
                          boolean tieWordEmbeddings, boolean qkvBias, boolean oBias, boolean mlpBias, RopeConfig rope,
                          ObjectNode raw) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ROPE_TYPES = Set.of("default", "llama3");

    public ModelConfig {
        require(hiddenSize > 0, "hidden_size", hiddenSize);
        require(numLayers > 0, "num_hidden_layers", numLayers);
        require(numHeads > 0, "num_attention_heads", numHeads);
        require(numKvHeads > 0 && numHeads % numKvHeads == 0, "num_key_value_heads", numKvHeads
                + " (must divide num_attention_heads = " + numHeads + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim", headDim + " (must be even for RoPE)");
        require(intermediateSize > 0, "intermediate_size", intermediateSize);
        require(vocabSize > 0, "vocab_size", vocabSize);
        require(maxPositions > 0, "max_position_embeddings", maxPositions);
        require(rmsNormEps > 0, "rms_norm_eps", rmsNormEps);
    }

    private static void require(boolean ok, String key, Object value) {
        if (!ok) {
            throw new ConfigException("invalid config: " + key + " = " + value);
        }
    }

    /** More layers than any released model has, by far; beyond it a config is corrupt. */
    static final int MAX_LAYERS = 10_000;

    public static ModelConfig load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("no config.json in " + modelDir);
        } catch (java.nio.charset.CharacterCodingException e) {
            // found by ConfigFuzzTest: readString's MalformedInputException says only "Input length = 1"
            throw new ConfigException(file + ": not UTF-8 text (JSON must be UTF-8)");
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (!(node instanceof ObjectNode obj)) {
                throw new ConfigException(file + ": not a JSON object");
            }
            return parse(obj);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": malformed JSON: " + e.getOriginalMessage());
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    public static ModelConfig parse(ObjectNode c) {
        Architecture arch;
        JsonNode archs = c.get("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) {
            arch = Architecture.fromHfClass(archs.get(0).asText());
        } else if (c.hasNonNull("model_type")) {
            arch = Architecture.fromModelType(c.get("model_type").asText());
        } else {
            throw new ConfigException("missing key: architectures (or model_type)");
        }
        String act = text(c, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new ConfigException("unsupported hidden_act = \"" + act + "\" (supported: silu)");
        }
        if (c.path("use_sliding_window").asBoolean(false)) {
            throw new ConfigException("unsupported use_sliding_window = true (sliding-window attention is not implemented)");
        }
        int hidden = integer(c, "hidden_size");
        int heads = integer(c, "num_attention_heads");
        int kvHeads = c.hasNonNull("num_key_value_heads") ? integer(c, "num_key_value_heads") : heads;
        // checked here, before hidden / heads (ConfigFuzzTest found "/ by zero" with num_attention_heads = 0)
        require(heads >= 1, "num_attention_heads", heads);
        // the parameter list has ~10 entries per layer: a corrupt count (ConfigFuzzTest found 88888881) would fill the
        // heap listing them; real models have at most a few hundred layers
        int layers = integer(c, "num_hidden_layers");
        require(layers >= 1 && layers <= MAX_LAYERS, "num_hidden_layers", layers + " (expected 1 to " + MAX_LAYERS + ")");
        int headDim = c.hasNonNull("head_dim") ? integer(c, "head_dim") : hidden / heads;
        boolean attentionBias = c.path("attention_bias").asBoolean(false);
        boolean qkvBias = arch == Architecture.QWEN2 || attentionBias;
        boolean oBias = arch != Architecture.QWEN2 && attentionBias;
        boolean mlpBias = c.path("mlp_bias").asBoolean(false);
        return new ModelConfig(arch, hidden, layers, heads, kvHeads, headDim,
                integer(c, "intermediate_size"), integer(c, "vocab_size"), integer(c, "max_position_embeddings"),
                c.hasNonNull("rms_norm_eps") ? c.get("rms_norm_eps").asDouble() : 1e-6,
                c.path("tie_word_embeddings").asBoolean(false), qkvBias, oBias, mlpBias, rope(c), c.deepCopy());
    }

    /** transformers 5 writes rope_parameters; older configs have rope_theta and rope_scaling at the top. */
    private static RopeConfig rope(ObjectNode c) {
        JsonNode p = c.get("rope_parameters");
        String prefix = "rope_parameters.";
        double theta;
        if (p == null || p.isNull()) {
            p = c.get("rope_scaling");
            prefix = "rope_scaling.";
            theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble() : 10000.0;
        } else {
            theta = p.hasNonNull("rope_theta") ? p.get("rope_theta").asDouble()
                    : c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble() : 10000.0;
        }
        if (p == null || p.isNull()) {
            return RopeConfig.defaultRope(theta);
        }
        String type = p.hasNonNull("rope_type") ? p.get("rope_type").asText() : p.path("type").asText("default");
        if (!ROPE_TYPES.contains(type)) {
            throw new ConfigException("unsupported " + prefix + "rope_type = \"" + type + "\" (supported: default, llama3)");
        }
        if (type.equals("default")) {
            return RopeConfig.defaultRope(theta);
        }
        for (String key : new String[]{"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
            if (!p.hasNonNull(key) || !p.get(key).isNumber()) {
                throw new ConfigException("missing or non-numeric " + prefix + key + " for rope_type llama3");
            }
        }
        return new RopeConfig(type, theta, p.get("factor").asDouble(), p.get("low_freq_factor").asDouble(),
                p.get("high_freq_factor").asDouble(), p.get("original_max_position_embeddings").asInt());
    }

    private static int integer(JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            throw new ConfigException("missing key: " + key);
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ConfigException("invalid config: " + key + " = " + v + " (expected an integer)");
        }
        return v.asInt();
    }

    private static String text(JsonNode c, String key, String fallback) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    /**
     * The same model with another residual width, FFN width and query-head count (KV heads, head_dim and
     * everything else kept); head_dim is written explicitly since hidden / heads no longer gives it.
     */
    public ModelConfig resized(int hidden, int ffn, int heads) {
        ObjectNode r = raw.deepCopy();
        r.put("hidden_size", hidden);
        r.put("intermediate_size", ffn);
        r.put("num_attention_heads", heads);
        r.put("head_dim", headDim);
        r.put("num_key_value_heads", numKvHeads);
        if (r.has("torch_dtype")) {
            r.put("torch_dtype", "float32");
        }
        r.put("dtype", "float32");
        return parse(r);
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public boolean qkNorm() {
        return architecture == Architecture.QWEN3;
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(raw);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
