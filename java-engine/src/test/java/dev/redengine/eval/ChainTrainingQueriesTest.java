package dev.redengine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training aid of tools/make_chain_task.py, {@code --queries}: after the answer, "text" asks for other
 * variables of the same program. Checked here against an independent solver ({@link ChainSolver}), on a sample
 * the tool wrote (src/test/resources/chain/README.md has the command): the problem itself is the one
 * {@link ChainTask} generates, every extra answer is right, and with {@code --queries 26} every other variable
 * is asked exactly once.
 */
class ChainTrainingQueriesTest {

    @Test
    void extraQueriesAreRightAndAskEveryOtherVariableOnce() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/chain/sample-seed5-queries.jsonl"));
        ChainTask task = new ChainTask(2, false);
        ObjectMapper json = new ObjectMapper();
        int i = 0, extraQueries = 0;
        for (int depth = 1; depth <= 8; depth++) {
            for (ChainProblem p : task.problems(5, depth, 2)) {
                JsonNode line = json.readTree(lines.get(i++));
                assertEquals(p.prompt(), line.get("prompt").asText(), "line " + i);
                assertEquals(p.answer(), line.get("answer").asText(), "line " + i);
                String text = line.get("text").asText();
                assertTrue(text.startsWith(p.text() + ";"), text);
                String program = p.prompt().substring(0, p.prompt().length() - "x=?".length());   // "s1;...;sn;"
                Set<Character> asked = new HashSet<>();
                for (String query : text.substring(p.text().length() + 1).split(";")) {
                    assertEquals(4, query.length(), query);
                    assertEquals("=?", query.substring(1, 3), query);
                    char v = query.charAt(0);
                    int want = ChainSolver.solve(ChainSolver.parse(program + v + "=?"));
                    assertEquals(Integer.toString(want), query.substring(3), text + ": " + query);
                    assertTrue(asked.add(v), "asked twice: " + v + " in " + text);
                    extraQueries++;
                }
                int variables = ChainSolver.parse(p.prompt()).statements().size();
                assertEquals(variables - 1, asked.size(), text);
                assertTrue(!asked.contains(p.prompt().charAt(p.prompt().length() - 3)), text);
            }
        }
        assertEquals(lines.size(), i);
        assertEquals(2 * (8 * 9 / 2 + 8 * 2), extraQueries);   // depth d: d + 1 + 2 variables, all but one asked
    }

    /** ChainTask.trainingTexts is the tool's twin: the same "text" for every problem, with all queries and with 4. */
    @ParameterizedTest(name = "--queries {1}")
    @CsvSource({"sample-seed5-queries.jsonl, 26", "sample-seed5-queries4.jsonl, 4"})
    void javaWritesTheToolsTextCharacterForCharacter(String sample, int queries) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/chain/" + sample));
        ChainTask task = new ChainTask(2, false);
        ObjectMapper json = new ObjectMapper();
        int i = 0;
        for (int depth = 1; depth <= 8; depth++) {
            for (String text : task.trainingTexts(5, depth, 2, queries)) {
                assertEquals(json.readTree(lines.get(i++)).get("text").asText(), text, "line " + i);
            }
        }
        assertEquals(lines.size(), i);
        // one query: the plain problem texts
        assertEquals(task.problems(5, 3, 2).stream().map(ChainProblem::text).toList(), task.trainingTexts(5, 3, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> task.trainingTexts(5, 3, 2, 0));
    }
}
