package dev.redengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardedCheckpointTest {
    @TempDir
    Path dir;

    private void shards() throws IOException {
        new SafetensorsWriter().metadata("format", "pt")
                .addBF16("embed", new float[]{1f, 2f, 3f, 4f}, 2, 2)
                .addF32("norm", new float[]{0.5f, 1.5f}, 2)
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter()
                .addF32("head", new float[]{9f, 8f}, 1, 2)
                .addI32("ids", new int[]{3, 1, 4}, 3)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
    }

    private void index(String weightMap) throws IOException {
        Files.writeString(dir.resolve(ShardedCheckpoint.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 44, \"total_parameters\": 11, \"whatever\": [1]}, \"weight_map\": {"
                        + weightMap + "}}");
    }

    private static final String FULL_MAP = "\"embed\": \"model-00001-of-00002.safetensors\", "
            + "\"norm\": \"model-00001-of-00002.safetensors\", "
            + "\"head\": \"model-00002-of-00002.safetensors\", "
            + "\"ids\": \"model-00002-of-00002.safetensors\"";

    @Test
    void readsTheUnionOfShardsThroughTheIndex() throws IOException {
        shards();
        index(FULL_MAP);
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
            assertEquals(List.of("embed", "norm", "head", "ids"), ck.names());
            assertEquals(2, ck.shards().size());
            assertEquals("model-00002-of-00002.safetensors", ck.fileOf("head").getFileName().toString());
            assertEquals(SafetensorsDType.BF16, ck.require("embed").dtype());
            assertArrayEquals(new float[]{1f, 2f, 3f, 4f}, ck.readFloat32("embed"));
            assertArrayEquals(new float[]{9f, 8f}, ck.readFloat32("head"));
            assertArrayEquals(new int[]{3, 1, 4}, ck.readInt32("ids"));
            assertTrue(ck.contains("norm"));
            assertFalse(ck.contains("lm_head.weight"));
            MissingTensorException e = assertThrows(MissingTensorException.class, () -> ck.require("lm_head.weight"));
            assertEquals("missing tensor lm_head.weight in " + dir, e.getMessage());
            assertEquals("lm_head.weight", e.tensorName());
        }
    }

    @Test
    void singleFileFolderAndDirectFilePath() throws IOException {
        new SafetensorsWriter().addF32("w", new float[]{1f}, 1).write(dir.resolve("model.safetensors"));
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
            assertEquals(List.of("w"), ck.names());
            assertTrue(ck.require("w").dtype() == SafetensorsDType.F32);
        }
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir.resolve("model.safetensors"))) {
            assertArrayEquals(new float[]{1f}, ck.readFloat32("w"));
        }
    }

    @Test
    void indexNamesAMissingShard() throws IOException {
        shards();
        index(FULL_MAP + ", \"extra\": \"model-00003-of-00003.safetensors\"");
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("model-00003-of-00003.safetensors") && m.contains("'extra'") && m.contains("missing")
                && m.contains(ShardedCheckpoint.INDEX_FILE), m);
    }

    @Test
    void tensorListedButAbsentFromItsShard() throws IOException {
        shards();
        index(FULL_MAP + ", \"ghost\": \"model-00002-of-00002.safetensors\"");
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("'ghost'") && m.contains("model-00002-of-00002.safetensors") && m.contains("absent"), m);
    }

    @Test
    void tensorListedForTheWrongShard() throws IOException {
        shards();
        index(FULL_MAP.replace("\"head\": \"model-00002", "\"head\": \"model-00001"));
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("'head'") && m.contains("absent from it (it is in model-00002-of-00002.safetensors)"), m);
    }

    @Test
    void sameTensorInTwoShards() throws IOException {
        shards();
        new SafetensorsWriter().addF32("head", new float[]{1f, 1f}, 1, 2).addF32("norm", new float[]{1f, 1f}, 2)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        index(FULL_MAP.replace(", \"ids\": \"model-00002-of-00002.safetensors\"", ""));
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("'norm'") && m.contains("two shards") && m.contains("model-00001-of-00002.safetensors")
                && m.contains("model-00002-of-00002.safetensors"), m);
    }

    @Test
    void corruptShardIsNamed() throws IOException {
        shards();
        index(FULL_MAP);
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), new byte[]{1, 2});
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("model-00002-of-00002.safetensors"), m);
    }

    @Test
    void badIndexFiles() throws IOException {
        shards();
        Files.writeString(dir.resolve(ShardedCheckpoint.INDEX_FILE), "{\"metadata\": {}}");
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage()
                .contains("missing weight_map"));
        Files.writeString(dir.resolve(ShardedCheckpoint.INDEX_FILE), "{\"weight_map\": ");
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage()
                .contains("not valid JSON"));
        index("\"embed\": 3");
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage()
                .contains("'embed'"));
        index("\"embed\": \"../elsewhere/model.safetensors\"");
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("not a plain file name") && m.contains("'embed'"), m);
    }

    @Test
    void noSafetensorsAtAll() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        String m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains(dir.toString()) && m.contains("no .safetensors file at all"), m);

        new SafetensorsWriter().addF32("x", new float[]{1f}, 1).write(dir.resolve("golden.safetensors"));
        m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir)).getMessage();
        assertTrue(m.contains("found only [golden.safetensors]"), m);

        m = assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir.resolve("nope"))).getMessage();
        assertTrue(m.contains("nope"), m);
    }
}
