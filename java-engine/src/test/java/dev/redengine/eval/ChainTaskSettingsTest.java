package dev.redengine.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChainTaskSettingsTest {
    @TempDir
    Path dir;

    @Test
    void aFolderWithoutTheFileGetsTheDefaults() throws Exception {
        assertEquals(new ChainTaskSettings(2, false, 9, new DepthRange(1, 8), null, 1, false, null, 1), ChainTaskSettings.read(dir));
    }

    @Test
    void readsEveryKeyAndDefaultsTheMissingOnes() throws Exception {
        Files.writeString(dir.resolve(ChainTaskSettings.FILE),
                "{\"distractors\": 3, \"shuffle\": true, \"train_depths\": \"2-6\", \"train_seed\": 1000}");
        assertEquals(new ChainTaskSettings(3, true, 9, new DepthRange(2, 6), 1000L, 1, false, null, 1), ChainTaskSettings.read(dir));
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"train_seed\": 5}");
        assertEquals(new ChainTaskSettings(2, false, 9, new DepthRange(1, 8), 5L, 1, false, null, 1), ChainTaskSettings.read(dir));
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"train_queries\": 26, \"loss_after\": \"?\", \"loss_span\": 2, \"train_rows\": true}");
        assertEquals(new ChainTaskSettings(2, false, 9, new DepthRange(1, 8), null, 26, true, "?", 2), ChainTaskSettings.read(dir));
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"distractors\": 0, \"max_step\": 3}");
        ChainTaskSettings small = ChainTaskSettings.read(dir);
        assertEquals(new ChainTaskSettings(0, false, 3, new DepthRange(1, 8), null, 1, false, null, 1), small);
        assertEquals(new ChainTask(0, false, 3), small.task());
        // the smallest and largest values each key allows
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"max_step\": 1, \"train_queries\": 1, \"loss_after\": \"?\", \"loss_span\": 1}");
        assertEquals(new ChainTaskSettings(2, false, 1, new DepthRange(1, 8), null, 1, false, "?", 1), ChainTaskSettings.read(dir));
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"max_step\": 9}");
        assertEquals(9, ChainTaskSettings.read(dir).maxStep());
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), "{\"loss_after\": \"?\"}");
        assertEquals(new ChainTaskSettings(2, false, 9, new DepthRange(1, 8), null, 1, false, "?", 1), ChainTaskSettings.read(dir));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"distractors\": -1}|distractors = -1",
            "{\"shuffle\": \"yes\"}|shuffle = \"yes\"",
            "{\"train_depths\": \"8-1\"}|train_depths: depths must lie in",
            "{\"train_seed\": 1.5}|train_seed = 1.5",
            "{\"train_queries\": 0}|train_queries = 0",
            "{\"max_step\": 10}|max_step = 10",
            "{\"train_rows\": 1}|train_rows = 1",
            "{\"max_step\": 0}|max_step = 0",
            "{\"loss_after\": 3}|loss_after = 3",
            "{\"loss_after\": \"\"}|loss_after = \"\"",
            "{\"loss_after\": \"?\", \"loss_span\": 0}|loss_span = 0",
            "{\"loss_span\": 2}|loss_span needs loss_after",
            "[1]|expected a JSON object",
            "{nope|malformed JSON"})
    void refusesBadValuesNamingTheFileAndKey(String json, String message) throws Exception {
        Files.writeString(dir.resolve(ChainTaskSettings.FILE), json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChainTaskSettings.read(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve(ChainTaskSettings.FILE).toString()), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
