package dev.redengine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
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

/**
 * What distill added to train: metrics.jsonl across a resume, the cosine schedule, and checkpoints whose
 * trainable parameters are not the model's weights.
 */
class MetricsScheduleCheckpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CpuBackend be = new CpuBackend(2);

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        be.close();
    }

    private static ObjectNode row(int step, double loss) {
        return JSON.createObjectNode().put("step", step).put("loss", loss);
    }

    @Test
    void aResumedLogKeepsTheStepsUpToItsCheckpointAndDropsATornLine() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(f)) {
            log.append(List.of(row(0, 9), row(1, 8)));
            log.append(List.of(row(2, 7), row(3, 6)));
            assertEquals(4, log.rows().size());
            assertEquals(f, log.file());
        }
        assertEquals(4, Files.readAllLines(f).size(), "every append reaches the file");
        Files.writeString(f, Files.readString(f) + "{\"step\":4,\"lo", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        try (MetricsLog log = MetricsLog.resume(f, 2)) {
            assertEquals(List.of(0, 1, 2), log.rows().stream().map(r -> r.get("step").asInt()).toList());
            log.append(List.of(row(3, 5.5)));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(4, lines.size());
        assertEquals(5.5, JSON.readTree(lines.get(3)).get("loss").asDouble());
        try (MetricsLog fresh = MetricsLog.create(f)) {
            assertTrue(fresh.rows().isEmpty());
        }
        assertEquals("", Files.readString(f), "a new run starts an empty log");
        try (MetricsLog none = MetricsLog.resume(tmp.resolve("absent.jsonl"), 5)) {
            assertTrue(none.rows().isEmpty());
        }
    }

    @Test
    void cosineDecayPassesItsHalfWayPointAndEndsAtTheFloor() {
        LrSchedule s = new LrSchedule(1.0, 10, 110, 0.1, LrSchedule.Decay.COSINE);
        assertEquals(0.5f, s.at(5), 1e-7f);          // linear warmup
        assertEquals(1.0f, s.at(10), 1e-7f);
        assertEquals(0.55f, s.at(60), 1e-6f);         // half-way: floor + (1 - floor) / 2
        assertEquals(0.1f, s.at(110), 1e-7f);
        assertEquals(0.1f + 0.9f * (float) (0.5 * (1 + Math.cos(Math.PI * 0.25))), s.at(35), 1e-6f);
        for (int step = 11; step <= 110; step++) {
            assertTrue(s.at(step) < s.at(step - 1), "decreasing at " + step);
        }
        LrSchedule linear = new LrSchedule(1.0, 10, 110, 0.1);
        assertEquals(LrSchedule.Decay.LINEAR, linear.decay());
        assertEquals(0.55f, linear.at(60), 1e-6f);
        assertTrue(s.at(35) > linear.at(35), "cosine stays higher early in the decay");
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1.0, 1, 10, 0.1, null));
    }

    @Test
    void aCheckpointOfSeparateTrainableParametersRestoresThemAndWritesTheModelBeside() throws IOException {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 13, 16, false));
        Parameters weights = RandomInit.parameters(be, c, 1, 0.3);
        Parameters trainable = new Parameters(), grads = new Parameters();
        Tensor p = be.allocate(8, 4), g = be.allocate(8, 4);
        float[] host = new float[32];
        for (int i = 0; i < host.length; i++) {
            host[i] = i * 0.25f - 3;
        }
        be.upload(p, host);
        be.upload(g, host);
        trainable.put("proj.projection", p);
        grads.put("proj.projection", g);
        AdamW opt = new AdamW(be, AdamW.Settings.defaults(), trainable, grads, new LrSchedule(1e-2, 0, 5, 0.1));
        opt.step();
        float[] afterStep = be.downloadFloats(p);
        ObjectNode args = JSON.createObjectNode().put("lr", 1);
        Path dir = Checkpoint.save(tmp, new Checkpoint.State(1, new DataOrder.Position(7, 2), args, JSON.createObjectNode()),
                c, weights, trainable, opt, be, 0);
        assertTrue(Files.isRegularFile(dir.resolve("trainable.safetensors")));
        try (SafetensorsFile model = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(weights.asMap().keySet(), java.util.Set.copyOf(model.names()));
        }
        be.upload(p, new float[32]);
        AdamW fresh = new AdamW(be, AdamW.Settings.defaults(), trainable, grads, new LrSchedule(1e-2, 0, 5, 0.1));
        Checkpoint.State st = Checkpoint.load(dir, args, trainable, fresh, be);
        assertEquals(1, st.step());
        assertArrayEquals(afterStep, be.downloadFloats(p));
        assertArrayEquals(be.downloadFloats(opt.firstMoments().get("proj.projection")),
                be.downloadFloats(fresh.firstMoments().get("proj.projection")));
        assertArrayEquals(be.downloadFloats(opt.scalars()), be.downloadFloats(fresh.scalars()));
        // when the trainable parameters are the model's weights, only model.safetensors is written
        Path same = Checkpoint.save(tmp.resolve("same"), new Checkpoint.State(1, new DataOrder.Position(7, 2), args,
                JSON.createObjectNode()), c, trainable, trainable, opt, be, 0);
        assertFalse(Files.exists(same.resolve("trainable.safetensors")));
    }
}
