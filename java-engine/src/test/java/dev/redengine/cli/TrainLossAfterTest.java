package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train --loss-after: only the token after the marker trains the model, recorded and checked on resume. */
class TrainLossAfterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // the chain tokenizer's ids: letters 1-26, digits 27-36, '=' 37, ';' 38, '?' 39
    private static final int A = 1, B = 2, C = 3, EQ = 37, SEMI = 38, Q = 39;

    @TempDir
    Path tmp;

    /** A tiny Llama over the chain tokenizer, no weights (trained --from-scratch). */
    private Path model() throws IOException {
        return ChainModelFolder.create(tmp.resolve("init"), 16, 32, 1, 2, 1, 8, 32);
    }

    private Path ids(String name, int[] rows, int n, int t) throws IOException {
        Path p = tmp.resolve(name + ".safetensors");
        new SafetensorsWriter().addI32("input_ids", rows, n, t).write(p);
        return p;
    }

    private CliTest.Result train(Path model, Path data, String out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--model", model.toString(), "--from-scratch", "--data", data.toString(),
                "--seq-len", "8", "--steps", "3", "--batch", "2", "--lr", "1e-2", "--threads", "1", "--log-every", "1",
                "--out", tmp.resolve(out).toString()));
        a.addAll(Arrays.asList(extra));
        return CliTest.run(a.toArray(String[]::new));
    }

    private byte[] weights(String out) throws IOException {
        return Files.readAllBytes(tmp.resolve(out).resolve("model.safetensors"));
    }

    @Test
    void tokensTheMaskIgnoresDoNotChangeTheTrainedWeights() throws IOException {
        Path model = model();
        // "b=?3;a=7" per row; the two data sets differ only in each row's last token, a target the mask never keeps
        // (it follows '=', not '?') and the input of no kept prediction (the model is causal)
        int[] rows = {B, EQ, Q, 30, SEMI, A, EQ, 34, C, EQ, Q, 35, SEMI, A, EQ, 36};
        int[] other = rows.clone();
        other[7] = 31;
        other[15] = 28;
        Path d1 = ids("d1", rows, 2, 8), d2 = ids("d2", other, 2, 8);
        assertEquals(0, train(model, d1, "m1", "--loss-after", "?").code());
        assertEquals(0, train(model, d2, "m2", "--loss-after", "?").code());
        assertArrayEquals(weights("m1"), weights("m2"), "the ignored targets changed the update ");
        // without the mask the same difference trains other weights, so the comparison above can fail
        assertEquals(0, train(model, d1, "u1").code());
        assertEquals(0, train(model, d2, "u2").code());
        assertFalse(Arrays.equals(weights("u1"), weights("u2")));
        // with span 2 the token after each answer counts too, and row 0's differs ("b=?3;" against "b=?3;" with
        // another last token is unchanged, so change the ';' after the answer instead)
        int[] semi = rows.clone();
        semi[4] = 37;
        assertEquals(0, train(model, d1, "s1", "--loss-after", "?", "--loss-span", "2").code());
        assertEquals(0, train(model, ids("d3", semi, 2, 8), "s2", "--loss-after", "?", "--loss-span", "2").code());
        assertFalse(Arrays.equals(weights("s1"), weights("s2")), "span 2 must train the token after the answer");
        assertEquals(0, train(model, ids("d4", semi, 2, 8), "m3", "--loss-after", "?").code());
        assertArrayEquals(weights("m1"), weights("m3"), "span 1 must not train the token after the answer");
        JsonNode state = JSON.readTree(tmp.resolve("m1").resolve("trainer_state.json").toFile());
        assertEquals("?", state.get("loss_after").asText());
        assertEquals(1, state.get("loss_span").asInt());
        assertFalse(JSON.readTree(tmp.resolve("u1").resolve("trainer_state.json").toFile()).has("loss_after"));
    }

    @Test
    void refusesAMarkerOfSeveralTokensOrOneASequenceLacks() throws IOException {
        Path model = model();
        int[] rows = {A, EQ, 34, SEMI, B, EQ, Q, 30, C, EQ, 35, SEMI, A, EQ, 36, SEMI};
        Path data = ids("d", rows, 2, 8);
        CliTest.Result two = train(model, data, "x", "--loss-after", "=?");
        assertEquals(2, two.code(), two.err());
        assertTrue(two.err().contains("--loss-after \"=?\" is 2 tokens"), two.err());
        CliTest.Result lacking = train(model, data, "y", "--loss-after", "?");
        assertEquals(2, lacking.code(), lacking.err());
        assertTrue(lacking.err().contains("sequence 1 of --data holds it nowhere before its last position"), lacking.err());
        // a '?' only in the last position predicts nothing, so it does not count
        CliTest.Result onlyLast = train(model, ids("l", new int[]{A, EQ, 34, SEMI, B, EQ, 30, Q, C, EQ, 35, SEMI, A, EQ, 36, Q},
                2, 8), "z", "--loss-after", "?");
        assertEquals(2, onlyLast.code(), onlyLast.err());
        assertTrue(onlyLast.err().contains("sequence 0 of --data"), onlyLast.err());
        CliTest.Result noMarker = train(model, data, "w", "--loss-span", "2");
        assertEquals(2, noMarker.code(), noMarker.err());
        assertTrue(noMarker.err().contains("--loss-span needs --loss-after"), noMarker.err());
        CliTest.Result zero = train(model, data, "v", "--loss-after", "?", "--loss-span", "0");
        assertEquals(2, zero.code(), zero.err());
        assertTrue(zero.err().contains("--loss-span must be >= 1, got 0"), zero.err());
    }

    @Test
    void aResumeMustKeepTheMarker() throws IOException {
        Path model = model();
        int[] rows = {A, EQ, 34, SEMI, B, EQ, Q, 30, C, EQ, 35, SEMI, A, EQ, Q, 35};
        Path data = ids("d", rows, 2, 8);
        assertEquals(0, train(model, data, "r", "--loss-after", "?", "--stop-after", "1").code());
        CliTest.Result without = train(model, data, "r", "--resume");
        assertEquals(2, without.code(), without.err());
        assertTrue(without.err().contains("made with --loss-after \"?\", which this run does not set"), without.err());
        assertEquals(0, train(model, data, "r", "--loss-after", "?", "--resume").code());
    }

    /** distill --loss-after: the run records it, its validation counts the answers alone, and a missing marker is named. */
    @Test
    void distillTakesTheSameMask() throws IOException {
        Path model = model();
        int[] rows = {B, EQ, Q, 30, SEMI, A, EQ, 34, C, EQ, Q, 35, SEMI, A, EQ, 36, A, EQ, Q, 31, SEMI, B, EQ, 30,
                C, EQ, Q, 32, SEMI, C, EQ, 33};
        Path data = ids("d", rows, 4, 8);
        assertEquals(0, train(model, data, "teacher").code());
        List<String> a = new ArrayList<>(List.of("distill", "--teacher", tmp.resolve("teacher").toString(), "--init", "random",
                "--hidden-size", "8", "--data", data.toString(), "--seq-len", "8", "--batch", "1", "--steps", "2",
                "--val-fraction", "0.25", "--eval-every", "1", "--threads", "1", "--out", tmp.resolve("student").toString()));
        a.addAll(List.of("--loss-after", "?", "--loss-span", "2"));
        CliTest.Result r = CliTest.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode args = JSON.readTree(tmp.resolve("student").resolve("trainer_state.json").toFile()).get("args");
        assertEquals("?", args.get("loss_after").asText());
        assertEquals(2, args.get("loss_span").asInt());
        a.set(a.indexOf("?"), "+");
        a.set(a.indexOf("--out") + 1, tmp.resolve("student2").toString());
        CliTest.Result none = CliTest.run(a.toArray(String[]::new));
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("holds it nowhere before its last position"), none.err());
    }
}
