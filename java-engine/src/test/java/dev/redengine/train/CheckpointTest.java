package dev.redengine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoint save / list / load in-process: bitwise state, retention, partial leftovers, argument checks. */
class CheckpointTest {
    private final CpuBackend be = new CpuBackend(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelConfig C = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 13, 16, false));

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        be.close();
    }

    private LmTrainer trainer(long seed) {
        CausalLM m = new CausalLM(C, RandomInit.parameters(be, C, seed, 0.3), be);
        return new LmTrainer(m, AdamW.Settings.defaults(), new LrSchedule(1e-2, 1, 10, 0.1), 2, 4);
    }

    private static ObjectNode args(int lr) {
        ObjectNode a = JSON.createObjectNode();
        a.put("lr", lr);
        a.put("seq_len", 4);
        return a;
    }

    private static DataOrder.Position pos(int step) {
        return new DataOrder.Position(100 + step, step % 3);
    }

    @Test
    void saveThenLoadRestoresEverythingBitForBit() throws IOException {
        LmTrainer t = trainer(1);
        SplittableRandom rng = new SplittableRandom(2);
        for (int s = 0; s < 3; s++) {
            t.step(rng.ints(8, 0, 13).toArray());
        }
        Path root = tmp.resolve("ckpt");
        var log = JSON.createArrayNode().add(1.5);
        Path dir = Checkpoint.save(root, new Checkpoint.State(3, pos(3), args(1), log), C, t, be, 0);
        assertEquals(root.resolve("step-3"), dir);
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        LmTrainer fresh = trainer(99);
        Checkpoint.State st = Checkpoint.load(dir, args(1), fresh, be);
        assertEquals(3, st.step());
        assertEquals(pos(3), st.data());
        assertEquals(log, st.log());
        Fixtures.assertSameParameters(be, t.model().parameters(), fresh.model().parameters());
        Fixtures.assertSameParameters(be, t.optimizer().firstMoments(), fresh.optimizer().firstMoments());
        Fixtures.assertSameParameters(be, t.optimizer().secondMoments(), fresh.optimizer().secondMoments());
        assertArrayEquals(be.downloadFloats(t.optimizer().scalars()), be.downloadFloats(fresh.optimizer().scalars()));
        // the saved moments are not zero: a load that skipped them would show
        float[] m = be.downloadFloats(fresh.optimizer().firstMoments().get("lm_head.weight"));
        assertTrue(java.util.stream.IntStream.range(0, m.length).anyMatch(i -> m[i] != 0));
    }

    @Test
    void retentionOrderingAndLeftovers() throws IOException {
        LmTrainer t = trainer(1);
        Path root = tmp.resolve("ckpt");
        assertEquals(List.of(), Checkpoint.list(root));
        assertTrue(Checkpoint.newest(root).isEmpty());
        for (int step : new int[]{2, 10, 9}) {
            Checkpoint.save(root, new Checkpoint.State(step, pos(step), args(1), JSON.createArrayNode()), C, t, be, 0);
        }
        assertEquals(List.of(root.resolve("step-2"), root.resolve("step-9"), root.resolve("step-10")), Checkpoint.list(root));
        assertEquals(root.resolve("step-10"), Checkpoint.newest(root).orElseThrow());
        // a killed write's leftover and a folder without trainer_state.json are not checkpoints
        Files.createDirectories(root.resolve(".step-11.partial"));
        Files.writeString(Files.createDirectories(root.resolve(".step-5.partial")).resolve("model.safetensors"), "half");
        Files.createDirectories(root.resolve("step-12"));
        Files.createDirectories(root.resolve("other"));
        assertEquals(3, Checkpoint.list(root).size());
        Checkpoint.save(root, new Checkpoint.State(11, pos(11), args(1), JSON.createArrayNode()), C, t, be, 2);
        assertFalse(Files.exists(root.resolve(".step-11.partial")));
        assertFalse(Files.exists(root.resolve(".step-5.partial")), "leftovers of killed writes are removed");
        assertEquals(List.of(root.resolve("step-10"), root.resolve("step-11")), Checkpoint.list(root));
        assertFalse(Files.exists(root.resolve("step-2")));
        assertFalse(Files.exists(root.resolve("step-9")));
        // the same step again replaces it whole
        Files.writeString(root.resolve("step-11").resolve("stray.txt"), "x");
        Checkpoint.save(root, new Checkpoint.State(11, pos(11), args(1), JSON.createArrayNode()), C, t, be, 1);
        assertFalse(Files.exists(root.resolve("step-11").resolve("stray.txt")));
        assertEquals(List.of(root.resolve("step-11")), Checkpoint.list(root));
    }

    @Test
    void resumingWithOtherArgumentsIsRefusedByName() throws IOException {
        LmTrainer t = trainer(1);
        Path dir = Checkpoint.save(tmp, new Checkpoint.State(1, pos(1), args(1), JSON.createArrayNode()), C, t, be, 0);
        ObjectNode other = args(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(dir, other, trainer(2), be));
        assertEquals("cannot resume from " + dir + ": it was made with --lr 1, this run has 2", e.getMessage());
        ObjectNode extra = args(1);
        extra.put("warm_up", 3);
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(dir, extra, trainer(2), be));
        assertEquals("cannot resume from " + dir + ": it was made with --warm-up null, this run has 3", e.getMessage());
        ObjectNode fewer = JSON.createObjectNode();
        fewer.put("lr", 1);
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(dir, fewer, trainer(2), be));
        assertEquals("cannot resume from " + dir + ": it was made with --seq-len 4, which this run does not set", e.getMessage());
        // a long read back as an int is the same number
        ObjectNode asLong = JSON.createObjectNode();
        asLong.put("lr", 1L);
        asLong.put("seq_len", 4L);
        assertEquals(1, Checkpoint.load(dir, asLong, trainer(2), be).step());
    }

    @Test
    void wrongScalarCountIsRefused() throws IOException {
        LmTrainer t = trainer(1);
        Path dir = Checkpoint.save(tmp, new Checkpoint.State(1, pos(1), args(1), JSON.createArrayNode()), C, t, be, 0);
        Parameters p = t.model().parameters();
        var w = new dev.redengine.io.SafetensorsWriter();
        p.asMap().forEach((n, x) -> {
            w.add("m." + n, x, be);
            w.add("v." + n, x, be);
        });
        w.addF32("scalars", new float[]{1, 2}, 2);
        w.write(dir.resolve("optimizer.safetensors"));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir, args(1), trainer(2), be));
        assertTrue(e.getMessage().endsWith("optimizer scalars hold 2 values, expected " + dev.redengine.backend.OptimizerScalars.SIZE),
                e.getMessage());
    }
}
