package dev.redengine.io;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files written by HF transformers (and one by a numpy reference): see hf-golden/PROVENANCE.md. */
class HfGoldenFixturesTest {

    static Path fixtures() {
        String prop = System.getProperty("redengine.fixtures");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop);
        }
        for (String p : new String[]{"src/test/resources/hf-golden", "java-engine/src/test/resources/hf-golden"}) {
            if (Files.isDirectory(Path.of(p))) {
                return Path.of(p);
            }
        }
        throw new IllegalStateException("hf-golden fixtures not found; set -Dredengine.fixtures");
    }

    private static void assertFinite(String name, float[] v) {
        for (int i = 0; i < v.length; i++) {
            assertTrue(Float.isFinite(v[i]), name + "[" + i + "] = " + v[i]);
        }
    }

    @Test
    void tinyLlamaSingleFile() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(fixtures().resolve("tiny-llama/model.safetensors"))) {
            TensorInfo embed = st.info("model.embed_tokens.weight");
            assertEquals(SafetensorsDType.F32, embed.dtype());
            assertArrayEquals(new long[]{320, 64}, embed.shape());
            assertArrayEquals(new long[]{176, 64}, st.info("model.layers.0.mlp.gate_proj.weight").shape());
            assertArrayEquals(new long[]{32, 64}, st.info("model.layers.1.self_attn.k_proj.weight").shape());
            assertTrue(st.contains("lm_head.weight"));
            for (String name : st.names()) {
                assertFinite(name, st.readFloat32(name));
            }
            try (CpuBackend be = new CpuBackend(1)) {
                Tensor t = st.readTensor("model.embed_tokens.weight", be);
                assertArrayEquals(new int[]{320, 64}, t.shape());
                assertEquals(st.readFloat32("model.embed_tokens.weight")[64 * 7 + 3], be.downloadFloats(t)[64 * 7 + 3]);
            }
        }
    }

    @Test
    void tinyLlamaGoldenOutputs() throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(fixtures().resolve("tiny-llama/golden.safetensors"))) {
            assertEquals(SafetensorsDType.I32, st.info("input_ids").dtype());
            assertArrayEquals(new long[]{2, 24}, st.info("input_ids").shape());
            for (int id : st.readInt32("input_ids")) {
                assertTrue(id >= 0 && id < 320, "token id " + id);
            }
            assertArrayEquals(new long[]{2, 24, 320}, st.info("logits").shape());
            float loss = st.readFloat32("loss")[0];
            double expected = new ObjectMapper().readTree(fixtures().resolve("tiny-llama/golden.json").toFile())
                    .get("loss").asDouble();
            assertEquals(expected, loss, 1e-6);
        }
    }

    @Test
    void bf16ShardedThroughTheIndex() throws IOException {
        Path folder = fixtures().resolve("tiny-llama3-bf16-sharded");
        JsonNode weightMap = new ObjectMapper().readTree(folder.resolve(ShardedCheckpoint.INDEX_FILE).toFile())
                .get("weight_map");
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(folder)) {
            assertEquals(2, ck.shards().size());
            assertEquals(weightMap.size(), ck.names().size());
            long params = 0;
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                TensorInfo info = ck.require(e.getKey());
                assertEquals(SafetensorsDType.BF16, info.dtype(), e.getKey());
                assertEquals(e.getValue().textValue(), ck.fileOf(e.getKey()).getFileName().toString());
                float[] v = ck.readFloat32(e.getKey());
                assertEquals(info.numel(), v.length);
                assertFinite(e.getKey(), v);
                params += v.length;
            }
            assertEquals(133440, params, "index metadata.total_parameters");
            assertArrayEquals(new long[]{320, 64}, ck.require("model.embed_tokens.weight").shape());
            // Norm weights were drawn as 1 + N(0, 0.1): a wrong bf16 decoding would not average near 1.
            float[] norm = ck.readFloat32("model.norm.weight");
            double mean = 0;
            for (float x : norm) {
                mean += x / norm.length;
            }
            assertEquals(1.0, mean, 0.1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-llama-tied", "tiny-qwen2", "tiny-qwen3", "tiny-llama3-bf16-sharded"})
    void everyFixtureFolderOpens(String name) throws IOException {
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(fixtures().resolve(name));
             SafetensorsFile golden = SafetensorsFile.open(fixtures().resolve(name).resolve("golden.safetensors"))) {
            assertTrue(ck.contains("model.embed_tokens.weight"));
            assertEquals(!name.equals("tiny-llama-tied"), ck.contains("lm_head.weight"), "tied model stores no lm_head");
            assertFalse(golden.names().isEmpty());
            assertTrue(golden.contains("logits"));
        }
    }
}
