package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same train command gives the same bytes, and the shipped tiny-arith is what its card's command gives. */
class ReproducibilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aShortTrainRunTwiceGivesIdenticalWeightsAndLog() throws IOException {
        Path data = tmp.resolve("data.safetensors");
        int[] ids = new int[8 * 6];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 37 + 11) % 300;
        }
        new SafetensorsWriter().addI32("input_ids", ids, 8, 6).write(data);
        Path[] outs = {tmp.resolve("a"), tmp.resolve("b")};
        for (Path out : outs) {
            CliTest.Result r = CliTest.run("train", "--model", Fixtures.dir("tiny-llama").toString(), "--from-scratch",
                    "--data", data.toString(), "--seq-len", "6", "--steps", "4", "--batch", "2", "--log-every", "1",
                    "--threads", "2", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
        }
        assertArrayEquals(Files.readAllBytes(outs[0].resolve("model.safetensors")), Files.readAllBytes(outs[1].resolve("model.safetensors")));
        assertEquals(JSON.readTree(outs[0].resolve("trainer_state.json").toFile()).get("log"),
                JSON.readTree(outs[1].resolve("trainer_state.json").toFile()).get("log"));
    }

    /**
     * Runs the command of models/tiny-arith/README.md for its first step only (--stop-after 1: same schedule, same
     * data order) and compares its loss with step 1 of the shipped trainer_state.json, which that command wrote.
     */
    @Test
    void tinyArithCardCommandGivesTheShippedStepOneLoss() throws IOException {
        Path models = Path.of(System.getProperty("redengine.models", "../models")).toAbsolutePath().normalize();
        Path root = models.getParent();
        String card = Files.readString(models.resolve("tiny-arith/README.md"));
        Matcher m = Pattern.compile("\\| command \\| `java -jar red-engine\\.jar ([^`]+)`").matcher(card);
        assertTrue(m.find(), "the card's command row");
        List<String> args = new ArrayList<>();
        List<String> words = Arrays.asList(m.group(1).trim().split("\\s+"));
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--out")) {
                i++;          // the card's --out is a scratch folder; this run writes to the test's
                continue;
            }
            args.add(w.startsWith("models/") ? root.resolve(w).toString() : w);
        }
        args.addAll(List.of("--stop-after", "1", "--out", tmp.resolve("tiny-arith").toString()));
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode shipped = JSON.readTree(models.resolve("tiny-arith/trainer_state.json").toFile()).get("log").get(0);
        JsonNode now = JSON.readTree(tmp.resolve("tiny-arith/checkpoints/step-1/trainer_state.json").toFile()).get("log").get(0);
        assertEquals(1, shipped.get("step").asInt());
        assertEquals(shipped.get("loss").toString(), now.get("loss").toString(), "step-1 loss");
        assertEquals(shipped.get("grad_norm").toString(), now.get("grad_norm").toString(), "step-1 gradient norm");
    }
}
