package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.eval.ChainTask;
import dev.redengine.eval.ChainTaskSettings;
import dev.redengine.eval.DepthRange;
import dev.redengine.data.HfTokenizer;
import dev.redengine.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * models/chain-teacher is what its card's commands give: the card's data command, run through the Java twin of
 * tools/make_chain_task.py (tested to write the same text) and laid out one program per row as tools/chain_rows.py
 * does (EOS = 0 padding), and its train command for the first step (--stop-after 1:
 * same schedule, same data order) reproduce step 1 of the shipped trainer_state.json; the folder's chain_task.json
 * describes that same data and loss mask.
 */
class ChainTeacherCardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODELS = Path.of(System.getProperty("redengine.models", "../models")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    /** The words of the card's backquoted command in the table row named row. */
    private static List<String> row(String card, String row, String program) {
        Matcher m = Pattern.compile("\\| " + row + " \\| `" + Pattern.quote(program) + " ([^`]+)`").matcher(card);
        assertTrue(m.find(), "the card's " + row + " row");
        List<String> words = new ArrayList<>();
        for (String w : m.group(1).trim().split("\\s+")) {
            words.add(w.length() >= 2 && w.startsWith("'") && w.endsWith("'") ? w.substring(1, w.length() - 1) : w);
        }
        return words;
    }

    private static Map<String, String> flags(List<String> words) {
        Map<String, String> f = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).startsWith("--")) {
                f.put(words.get(i), i + 1 < words.size() && !words.get(i + 1).startsWith("--") ? words.get(i + 1) : "");
            }
        }
        return f;
    }

    @Test
    void theCardsCommandsGiveTheShippedStepOneLoss() throws IOException {
        Path dir = MODELS.resolve("chain-teacher");
        String card = Files.readString(dir.resolve("README.md"));
        Map<String, String> data = flags(row(card, "data", "python3 tools/make_chain_task.py"));
        ChainTask task = new ChainTask(Integer.parseInt(data.get("--distractors")), data.containsKey("--shuffle"),
                Integer.parseInt(data.get("--max-step")));
        DepthRange depths = DepthRange.parse(data.get("--depths"));
        long seed = Long.parseLong(data.get("--seed"));
        int n = Integer.parseInt(data.get("--n")), queries = Integer.parseInt(data.get("--queries"));
        // chain_task.json describes the same data and mask
        ChainTaskSettings settings = ChainTaskSettings.read(dir);
        assertEquals(task, settings.task());
        assertEquals(depths, settings.trainDepths());
        assertEquals(seed, settings.trainSeed());
        assertEquals(queries, settings.trainQueries());

        // tools/chain_rows.py: each text, in file order (depth by depth), from position 0, EOS after it up to T
        List<String> train = row(card, "command", "java -jar red-engine.jar");
        Map<String, String> t = flags(train);
        assertTrue(settings.trainRows());
        int seqLen = Integer.parseInt(t.get("--seq-len"));
        Path rows = tmp.resolve("chain-train.safetensors");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertEquals(0, dev.redengine.data.CalibrationLoader.eosId(dir, dev.redengine.model.ModelConfig.load(dir), tok)
                    .getAsInt(), "rows are padded with EOS, id 0 here");
            int[] ids = new int[Math.multiplyExact(depths.to() - depths.from() + 1, n) * seqLen];
            int r = 0;
            for (int d = depths.from(); d <= depths.to(); d++) {
                for (String text : task.trainingTexts(seed, d, n, queries)) {
                    int[] row = tok.encode(text);
                    assertTrue(row.length < seqLen, text);
                    System.arraycopy(row, 0, ids, r * seqLen, row.length);   // the EOS id is 0: the rest stays padding
                    r++;
                }
            }
            new SafetensorsWriter().addI32("input_ids", ids, r, seqLen).write(rows);
        }
        assertEquals(settings.lossAfter(), t.get("--loss-after"));
        assertEquals(Integer.toString(settings.lossSpan()), t.get("--loss-span"));
        List<String> args = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            String w = train.get(i);
            if (w.equals("--out") || w.equals("--data")) {
                i++;   // the card's scratch paths; this run uses the test's
                continue;
            }
            args.add(w.startsWith("models/") ? MODELS.getParent().resolve(w).toString() : w);
        }
        args.addAll(List.of("--data", rows.toString(), "--stop-after", "1", "--out", tmp.resolve("teacher").toString()));
        CliTest.Result r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode shipped = JSON.readTree(dir.resolve("trainer_state.json").toFile()).get("log").get(0);
        JsonNode now = JSON.readTree(tmp.resolve("teacher/checkpoints/step-1/trainer_state.json").toFile()).get("log").get(0);
        assertEquals(1, shipped.get("step").asInt());
        assertEquals(shipped.get("loss").toString(), now.get("loss").toString(), "step-1 loss");
        assertEquals(shipped.get("grad_norm").toString(), now.get("grad_norm").toString(), "step-1 gradient norm");
    }
}
