package dev.redengine.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * An HF {@code tokenizer.json} run by HF's own tokenizers library (Rust, through DJL's JNI binding; the native
 * library ships inside the DJL jar and is unpacked to DJL's cache folder, {@code ~/.djl.ai} unless
 * {@code DJL_CACHE_DIR} says otherwise). Encodes without adding special tokens, without truncation or padding.
 *
 * <p>Before DJL is first touched this sets, unless already set, the system properties {@code ai.djl.offline=true}
 * and {@code OPT_OUT_TRACKING=true} (DJL otherwise probes the EC2 metadata endpoint and sends a usage ping when it
 * creates a tokenizer, and may try to download a native library) and {@code slf4j.internal.verbosity=ERROR} (no
 * "no SLF4J providers" warning on stderr: red-engine has no logging backend).
 *
 * <p>{@link #tokenId} reads the vocabulary from the JSON directly (added tokens, then {@code model.vocab}: a map
 * for BPE/WordPiece/WordLevel, a list of {@code [piece, score]} for Unigram).
 */
public final class HfTokenizer implements TextTokenizer {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        setIfAbsent("slf4j.internal.verbosity", "ERROR");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> vocab;

    private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.vocab = vocab;
    }

    /** Loads {@code modelDir/tokenizer.json}; a clear error when the folder has none. */
    public static HfTokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new CalibrationException("no tokenizer.json in model folder " + modelDir
                    + ": text calibration files (.jsonl, .txt) are tokenised with the model's tokenizer;"
                    + " add it, or pass pre-tokenised input_ids in a .safetensors file");
        }
        return loadFile(file);
    }

    /** Loads a {@code tokenizer.json} file. */
    public static HfTokenizer loadFile(Path file) throws IOException {
        Map<String, Integer> vocab = readVocab(file);
        HuggingFaceTokenizer t;
        try {
            t = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (RuntimeException | IOException e) {
            throw new CalibrationException(file + ": HF tokenizers could not load it: " + e.getMessage(), e);
        }
        return new HfTokenizer(file, t, vocab);
    }

    private static Map<String, Integer> readVocab(Path file) throws CalibrationException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CalibrationException(file + ": not a readable tokenizer.json: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CalibrationException(file + ": not a JSON object");
        }
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode v = root.path("model").path("vocab");
        if (v.isObject()) {
            v.properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                vocab.put(v.get(i).path(0).asText(), i);
            }
        }
        for (JsonNode a : root.path("added_tokens")) {
            if (a.hasNonNull("content") && a.hasNonNull("id")) {
                vocab.put(a.get("content").asText(), a.get("id").asInt());
            }
        }
        return vocab;
    }

    @Override
    public int[] encode(String text) throws CalibrationException {
        long[] ids;
        try {
            ids = tokenizer.encode(text, false, false).getIds();
        } catch (RuntimeException e) {
            throw new CalibrationException(file + ": tokenising failed: " + e.getMessage(), e);
        }
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** The text of {@code ids}, special tokens skipped (byte-level pieces of a character are joined first). */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        try {
            return tokenizer.decode(longs, true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": decoding failed: " + e.getMessage(), e);
        }
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
