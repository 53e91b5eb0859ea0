package dev.redengine.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.io.SafetensorsDType;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationLoaderTest {

    // "Then the rain" and "is on" through tiny-bpe (derivation in CalibrationTokenizerTest / the tokenizer's README)
    static final int[] DOC1 = {84, 257, 110, 258, 32, 114, 97, 259};
    static final int[] DOC2 = {105, 115, 32, 262};

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- safetensors

    private static int[] ramp(int rows, int cols) {
        int[] ids = new int[rows * cols];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 7) % 320;
        }
        return ids;
    }

    private Path ids32(String name, int[] ids, long... shape) throws IOException {
        Path f = tmp.resolve(name);
        new SafetensorsWriter().addI32("input_ids", ids, shape).write(f);
        return f;
    }

    private CalibrationSet load(Path file, Path model, Integer n, Integer t) throws IOException {
        return CalibrationLoader.load(file, model, ModelConfig.load(model), n, t);
    }

    @Test
    void safetensorsAllRows() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        int[] ids = ramp(4, 8);
        CalibrationSet set = load(ids32("in.safetensors", ids, 4, 8), model, null, null);
        assertEquals(4, set.numSequences());
        assertEquals(8, set.seqLen());
        assertArrayEquals(ids, set.flat());
        assertTrue(set.source().contains("in.safetensors"), set.source());
    }

    @Test
    void safetensorsFirstRowsTruncatedInt64() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        long[] ids = new long[3 * 6];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 10 + i;
        }
        Path f = tmp.resolve("in64.safetensors");
        new SafetensorsWriter().addRaw("input_ids", SafetensorsDType.I64, new long[]{3, 6}, MemorySegment.ofArray(ids))
                .write(f);
        CalibrationSet set = load(f, model, 2, 4);
        assertArrayEquals(new int[][]{{10, 11, 12, 13}, {16, 17, 18, 19}}, set.sequences());
    }

    @Test
    void safetensorsRankOneIsOneSequence() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        CalibrationSet set = load(ids32("one.safetensors", new int[]{5, 6, 7}, 3), model, null, 2);
        assertArrayEquals(new int[][]{{5, 6}}, set.sequences());
    }

    @Test
    void safetensorsMoreSamplesThanRowsNamesBoth() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        Path f = ids32("in.safetensors", ramp(4, 8), 4, 8);
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, 5, null));
        assertTrue(e.getMessage().contains("--samples 5") && e.getMessage().contains("S = 4"), e.getMessage());
    }

    @Test
    void safetensorsLongerSeqLenIsAnError() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        Path f = ids32("in.safetensors", ramp(4, 8), 4, 8);
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, 9));
        assertTrue(e.getMessage().contains("--seq-len 9") && e.getMessage().contains("T = 8"), e.getMessage());
    }

    @Test
    void safetensorsIdOutOfRangeNamesPosition() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        int[] ids = ramp(4, 8);
        ids[8 + 3] = 320;
        Path f = ids32("in.safetensors", ids, 4, 8);
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, null));
        assertTrue(e.getMessage().contains("input_ids[1, 3] = 320") && e.getMessage().contains("[0, 320)"), e.getMessage());

        ids[8 + 3] = 0;
        ids[2 * 8] = -1;
        Path g = ids32("neg.safetensors", ids, 4, 8);
        e = assertThrows(CalibrationException.class, () -> load(g, model, null, null));
        assertTrue(e.getMessage().contains("input_ids[2, 0] = -1"), e.getMessage());
        // only what is taken is checked: the first two rows are fine
        assertEquals(2, load(g, model, 2, null).numSequences());
    }

    @Test
    void safetensorsLongerThanMaxPositions() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        Path f = ids32("long.safetensors", ramp(1, 200), 1, 200);
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, null));
        assertTrue(e.getMessage().contains("max_position_embeddings = 128"), e.getMessage());
        assertEquals(128, load(f, model, null, 128).seqLen());
    }

    @Test
    void safetensorsWithoutInputIds() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        Path f = tmp.resolve("x.safetensors");
        new SafetensorsWriter().addI32("tokens", new int[]{1, 2}, 1, 2).write(f);
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, null));
        assertTrue(e.getMessage().contains("no tensor 'input_ids'"), e.getMessage());
    }

    // ---------------------------------------------------------------- text

    private Path text(String name, String content) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void jsonlPackedWithTokenizerConfigEos() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        Path f = text("c.jsonl", "{\"text\": \"Then the rain\"}\n\n{\"text\": \"is on\", \"id\": 7}\n");
        // stream: DOC1 (8) + EOS 264 + DOC2 (4) = 13 tokens -> three sequences of 4, one token left over
        CalibrationSet set = load(f, model, null, 4);
        assertArrayEquals(new int[][]{{84, 257, 110, 258}, {32, 114, 97, 259}, {264, 105, 115, 32}}, set.sequences());
        assertTrue(set.source().contains("13 tokens"), set.source());
        assertArrayEquals(new int[][]{{84, 257, 110, 258, 32, 114}}, load(f, model, 1, 6).sequences());
    }

    @Test
    void eosFallsBackToConfigThenNone() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), false);
        Path f = text("c.jsonl", "{\"text\": \"Then the rain\"}\n{\"text\": \"is on\"}\n");
        // no tokenizer_config.json: config.json eos_token_id = 2
        assertArrayEquals(new int[]{84, 257, 110, 258, 32, 114, 97, 259, 2, 105, 115, 32},
                load(f, model, 3, 4).flat());
        // no eos_token_id either: plain concatenation
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        cfg.remove("eos_token_id");
        json.writeValue(model.resolve("config.json").toFile(), cfg);
        assertArrayEquals(new int[]{84, 257, 110, 258, 32, 114, 97, 259, 105, 115, 32, 262},
                load(f, model, 3, 4).flat());
        // a list: the first
        cfg.putArray("eos_token_id").add(7).add(9);
        json.writeValue(model.resolve("config.json").toFile(), cfg);
        assertEquals(OptionalInt.of(7), eos(model));
    }

    private static OptionalInt eos(Path model) throws IOException {
        try (TextTokenizer tok = TextTokenizer.forModel(model)) {
            return CalibrationLoader.eosId(model, ModelConfig.load(model), tok);
        }
    }

    @Test
    void eosTokenAsObjectAndUnknownEosToken() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), false);
        Files.writeString(model.resolve("tokenizer_config.json"),
                "{\"eos_token\": {\"content\": \"<|endoftext|>\", \"special\": true}}");
        assertEquals(OptionalInt.of(264), eos(model));
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        CalibrationException e = assertThrows(CalibrationException.class, () -> eos(model));
        assertTrue(e.getMessage().contains("\"</s>\" is not in the vocabulary"), e.getMessage());
    }

    @Test
    void txtDocumentsSeparatedByBlankLines() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        Path f = text("c.txt", "Then the rain\r\n\r\n  \n\nis on\n");
        assertArrayEquals(new int[][]{{84, 257, 110, 258}, {32, 114, 97, 259}, {264, 105, 115, 32}},
                load(f, model, null, 4).sequences());
        // lines of one document are joined with \n: "Then" "\n" "the" -> T he n, 10, t he
        Path g = text("d.txt", "Then\nthe\n");
        assertArrayEquals(new int[]{84, 257, 110, 10, 116, 257}, load(g, model, 1, 6).flat());
        assertEquals(List.of(new CalibrationLoader.Document("a\nb", "document 1 (line 2)"),
                        new CalibrationLoader.Document("c", "document 2 (line 5)")),
                CalibrationLoader.readTxt(text("e.txt", "\na\nb\n\nc")));
    }

    @Test
    void jsonlBadLineNamesLineNumber() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        Path f = text("bad.jsonl", "{\"text\": \"ok\"}\n\n{\"text\": \"unterminated}\n");
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, 2));
        assertTrue(e.getMessage().contains("bad.jsonl line 3: not valid JSON"), e.getMessage());

        Path g = text("trail.jsonl", "{\"text\": \"ok\"} x\n");
        e = assertThrows(CalibrationException.class, () -> load(g, model, null, 2));
        assertTrue(e.getMessage().contains("line 1: not valid JSON"), e.getMessage());

        Path h = text("arr.jsonl", "[\"text\"]\n");
        e = assertThrows(CalibrationException.class, () -> load(h, model, null, 2));
        assertTrue(e.getMessage().contains("line 1: expected a JSON object"), e.getMessage());
    }

    @Test
    void jsonlMissingOrNonStringText() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        Path f = text("c.jsonl", "{\"text\": \"ok\"}\n{\"content\": \"hi\"}\n");
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, 2));
        assertTrue(e.getMessage().contains("line 2: no \"text\" field (fields: [content])"), e.getMessage());

        Path g = text("n.jsonl", "{\"text\": 42}\n");
        e = assertThrows(CalibrationException.class, () -> load(g, model, null, 2));
        assertTrue(e.getMessage().contains("line 1: \"text\" is number, expected a string"), e.getMessage());
    }

    @Test
    void textWithoutTokenizerJson() throws IOException {
        Path model = CalibrationTestFiles.configOnly(tmp.resolve("m"));
        Path f = text("c.jsonl", "{\"text\": \"Then the rain\"}\n");
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, 1, 4));
        assertTrue(e.getMessage().contains("no tokenizer.json in model folder"), e.getMessage());
    }

    @Test
    void notEnoughTokens() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        Path f = text("c.jsonl", "{\"text\": \"Then the rain\"}\n{\"text\": \"is on\"}\n");
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, 4, 4));
        assertTrue(e.getMessage().contains("needs 16 tokens, but the text gives only 13"), e.getMessage());
        e = assertThrows(CalibrationException.class, () -> load(f, model, null, 20));
        assertTrue(e.getMessage().contains("only 13 tokens") && e.getMessage().contains("--seq-len 20"), e.getMessage());
        Path empty = text("e.jsonl", "\n{\"text\": \"\"}\n");
        e = assertThrows(CalibrationException.class, () -> load(empty, model, null, 2));
        assertTrue(e.getMessage().contains("no text"), e.getMessage());
    }

    @Test
    void tokenizerIdsOutsideModelVocab() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), false);
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        cfg.put("vocab_size", 200);
        json.writeValue(model.resolve("config.json").toFile(), cfg);
        Path f = text("c.jsonl", "{\"text\": \"ab\"}\n\n{\"text\": \"Then\"}\n");
        CalibrationException e = assertThrows(CalibrationException.class, () -> load(f, model, null, 2));
        assertTrue(e.getMessage().contains("line 3, token 1: id 257") && e.getMessage().contains("[0, 200)"), e.getMessage());
    }

    @Test
    void textOptionsChecked() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        Path f = text("c.jsonl", "{\"text\": \"Then the rain\"}\n");
        assertTrue(assertThrows(CalibrationException.class, () -> load(f, model, 1, null)).getMessage()
                .contains("--seq-len is required"));
        assertTrue(assertThrows(CalibrationException.class, () -> load(f, model, 0, 4)).getMessage()
                .contains("--samples must be positive"));
        assertTrue(assertThrows(CalibrationException.class, () -> load(f, model, 1, 129)).getMessage()
                .contains("max_position_embeddings = 128"));
        Path csv = text("c.csv", "1,2\n");
        assertTrue(assertThrows(CalibrationException.class, () -> load(csv, model, 1, 2)).getMessage()
                .contains("unknown calibration file type"));
        assertTrue(assertThrows(CalibrationException.class, () -> load(tmp.resolve("none.jsonl"), model, 1, 2))
                .getMessage().contains("not found"));
    }

    // ---------------------------------------------------------------- the shipped corpus

    @Test
    void mixedCorpusJsonlAndTxtGiveTheSameSequences() throws IOException {
        Path model = CalibrationTestFiles.withTokenizer(tmp.resolve("m"), true);
        CalibrationSet a = load(CalibrationTestFiles.CALIB.resolve("mixed.jsonl"), model, null, 64);
        CalibrationSet b = load(CalibrationTestFiles.CALIB.resolve("mixed.txt"), model, null, 64);
        assertArrayEquals(a.sequences(), b.sequences());
        assertNotEquals(a, b); // the sources differ
        // Exact counts from the tokenizer's output per document, packed by hand here: documents joined by one
        // EOS, cut into 64-token sequences, the remainder dropped.
        List<Integer> stream = new ArrayList<>();
        int docs = 0;
        try (TextTokenizer tok = TextTokenizer.forModel(model)) {
            for (String line : Files.readAllLines(CalibrationTestFiles.CALIB.resolve("mixed.jsonl"))) {
                if (line.isBlank()) {
                    continue;
                }
                int[] ids = tok.encode(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("text").asText());
                if (ids.length == 0) {
                    continue;
                }
                if (docs++ > 0) {
                    stream.add(CalibrationTestFiles.EOT);
                }
                for (int id : ids) {
                    stream.add(id);
                }
            }
        }
        assertEquals(20, docs);
        int n = stream.size() / 64;
        assertEquals(n, a.numSequences(), a.toString());
        int[] expected = stream.subList(0, n * 64).stream().mapToInt(Integer::intValue).toArray();
        assertArrayEquals(expected, a.flat());
        long eosKept = java.util.Arrays.stream(expected).filter(id -> id == CalibrationTestFiles.EOT).count();
        assertTrue(a.source().contains(stream.size() + " tokens (19 EOS), packed into " + n + " x 64"), a.source());
        assertTrue(eosKept >= 1, "the packed sequences hold separators");
        assertTrue(a.source().contains("20 documents"), a.source());
        // asking for fewer stops early and takes a prefix
        CalibrationSet c = load(CalibrationTestFiles.CALIB.resolve("mixed.jsonl"), model, 3, 64);
        assertArrayEquals(new int[][]{a.sequence(0), a.sequence(1), a.sequence(2)}, c.sequences());
    }

    // ---------------------------------------------------------------- the record

    @Test
    void calibrationSetCopiesAndChecksShape() {
        int[][] rows = {{1, 2, 3}, {4, 5, 6}};
        CalibrationSet s = new CalibrationSet(rows, "test");
        rows[0][0] = 99;
        assertArrayEquals(new int[]{1, 2, 3, 4, 5, 6}, s.flat());
        s.sequences()[1][0] = 99;
        assertEquals(4, s.sequence(1)[0]);
        assertEquals(new CalibrationSet(new int[][]{{1, 2, 3}, {4, 5, 6}}, "test"), s);
        assertThrows(IllegalArgumentException.class, () -> new CalibrationSet(new int[][]{{1, 2}, {3}}, "x"));
        assertThrows(IllegalArgumentException.class, () -> new CalibrationSet(new int[0][], "x"));
    }
}
