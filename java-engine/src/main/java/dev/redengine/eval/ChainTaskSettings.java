package dev.redengine.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The chain-task settings a model was trained on, from {@code chain_task.json} in its folder, e.g.
 * {@code {"distractors": 2, "shuffle": false, "train_depths": "1-8", "train_seed": 1000}}. A folder without the
 * file gets the task's defaults (2 distractors, in order, depths 1-8) and no training seed. Every key is optional.
 */
public record ChainTaskSettings(int distractors, boolean shuffle, DepthRange trainDepths, Long trainSeed) {
    public static final String FILE = "chain_task.json";
    public static final ChainTaskSettings DEFAULTS = new ChainTaskSettings(2, false, new DepthRange(1, 8), null);

    public static ChainTaskSettings read(Path modelDir) throws IOException {
        Path f = modelDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return DEFAULTS;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(f.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(f + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(f + ": expected a JSON object");
        }
        JsonNode d = root.path("distractors"), s = root.path("shuffle"), depths = root.path("train_depths"),
                seed = root.path("train_seed");
        if (!d.isMissingNode() && !(d.canConvertToInt() && d.isIntegralNumber() && d.asInt() >= 0)) {
            throw new IllegalArgumentException(f + ": distractors = " + d + " (expected an integer >= 0)");
        }
        if (!s.isMissingNode() && !s.isBoolean()) {
            throw new IllegalArgumentException(f + ": shuffle = " + s + " (expected true or false)");
        }
        if (!depths.isMissingNode() && !depths.isTextual()) {
            throw new IllegalArgumentException(f + ": train_depths = " + depths + " (expected a string like \"1-8\")");
        }
        if (!seed.isMissingNode() && !(seed.isIntegralNumber() && seed.canConvertToLong())) {
            throw new IllegalArgumentException(f + ": train_seed = " + seed + " (expected an integer)");
        }
        DepthRange range;
        try {
            range = depths.isMissingNode() ? DEFAULTS.trainDepths() : DepthRange.parse(depths.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": train_depths: " + e.getMessage());
        }
        return new ChainTaskSettings(d.isMissingNode() ? DEFAULTS.distractors() : d.asInt(),
                s.isMissingNode() ? DEFAULTS.shuffle() : s.asBoolean(), range,
                seed.isMissingNode() ? null : seed.asLong());
    }
}
