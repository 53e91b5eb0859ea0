package dev.redengine.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The chain-task settings a model was trained on, from {@code chain_task.json} in its folder, e.g.
 * {@code {"distractors": 0, "shuffle": false, "max_step": 3, "train_depths": "1-4", "train_seed": 1000,
 * "train_queries": 26, "train_rows": true, "loss_after": "?", "loss_span": 2}}: the task and the training data
 * (tools/make_chain_task.py --distractors --shuffle --max-step --depths --seed --queries; train_rows: one program
 * per row, tools/chain_rows.py, else packed)
 * and the loss mask (train --loss-after --loss-span; none when loss_after is absent). A folder without the file
 * gets the task's defaults (2 distractors, in order, steps 1..9, depths 1-8, one query, every token counted) and no training
 * seed. Every key is optional.
 */
public record ChainTaskSettings(int distractors, boolean shuffle, int maxStep, DepthRange trainDepths, Long trainSeed,
                                int trainQueries, boolean trainRows, String lossAfter, int lossSpan) {
    public static final String FILE = "chain_task.json";
    public static final ChainTaskSettings DEFAULTS = new ChainTaskSettings(2, false, ChainTask.DEFAULT_MAX_STEP,
            new DepthRange(1, 8), null, 1, false, null, 1);

    /** The task these settings describe. */
    public ChainTask task() {
        return new ChainTask(distractors, shuffle, maxStep);
    }

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
                seed = root.path("train_seed"), queries = root.path("train_queries"), after = root.path("loss_after"),
                span = root.path("loss_span"), step = root.path("max_step"), rows = root.path("train_rows");
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
        if (!queries.isMissingNode() && !(queries.canConvertToInt() && queries.isIntegralNumber() && queries.asInt() >= 1)) {
            throw new IllegalArgumentException(f + ": train_queries = " + queries + " (expected an integer >= 1)");
        }
        if (!after.isMissingNode() && !(after.isTextual() && !after.asText().isEmpty())) {
            throw new IllegalArgumentException(f + ": loss_after = " + after + " (expected the marker's text, e.g. \"?\")");
        }
        if (!span.isMissingNode() && !(span.canConvertToInt() && span.isIntegralNumber() && span.asInt() >= 1)) {
            throw new IllegalArgumentException(f + ": loss_span = " + span + " (expected an integer >= 1)");
        }
        if (!step.isMissingNode() && !(step.canConvertToInt() && step.isIntegralNumber() && step.asInt() >= 1
                && step.asInt() <= ChainTask.DEFAULT_MAX_STEP)) {
            throw new IllegalArgumentException(f + ": max_step = " + step + " (expected an integer in [1, 9])");
        }
        if (!rows.isMissingNode() && !rows.isBoolean()) {
            throw new IllegalArgumentException(f + ": train_rows = " + rows + " (expected true or false)");
        }
        if (!span.isMissingNode() && after.isMissingNode()) {
            throw new IllegalArgumentException(f + ": loss_span needs loss_after (the marker the span starts at)");
        }
        DepthRange range;
        try {
            range = depths.isMissingNode() ? DEFAULTS.trainDepths() : DepthRange.parse(depths.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": train_depths: " + e.getMessage());
        }
        return new ChainTaskSettings(d.isMissingNode() ? DEFAULTS.distractors() : d.asInt(),
                s.isMissingNode() ? DEFAULTS.shuffle() : s.asBoolean(), step.isMissingNode() ? DEFAULTS.maxStep() : step.asInt(), range,
                seed.isMissingNode() ? null : seed.asLong(), queries.isMissingNode() ? 1 : queries.asInt(),
                !rows.isMissingNode() && rows.asBoolean(),
                after.isMissingNode() ? null : after.asText(), span.isMissingNode() ? 1 : span.asInt());
    }
}
