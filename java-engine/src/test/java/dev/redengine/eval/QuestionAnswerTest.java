package dev.redengine.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link QuestionAnswer#read}: the lines it takes, and the one-line errors naming file and line for the rest. */
class QuestionAnswerTest {
    private static final String EXPECTED = ": expected {\"question\": text, \"answer\": ...}";

    @TempDir
    Path tmp;

    private Path file(String... lines) throws IOException {
        Path f = tmp.resolve("qa.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    private String error(Path f) {
        return assertThrows(IllegalArgumentException.class, () -> QuestionAnswer.read(f)).getMessage();
    }

    @Test
    void readsEveryNonBlankLineInOrder() throws IOException {
        Path f = file(
                "{\"question\": \"What is 6 times 7?\", \"answer\": \"6 * 7 = 42. So 42.\"}",
                "",
                "   \t",
                "{\"answer\": 3.5, \"question\": \"Half of 7?\", \"id\": 12}",
                "{\"question\": \"\", \"answer\": -1}");
        assertEquals(List.of(
                new QuestionAnswer("What is 6 times 7?", "6 * 7 = 42. So 42."),
                new QuestionAnswer("Half of 7?", "3.5"),   // a JSON number is read as its text
                new QuestionAnswer("", "-1")), QuestionAnswer.read(f));
    }

    @Test
    void aLineThatIsNotJsonIsNamedByItsNumberCountingBlankLines() throws IOException {
        Path f = file("{\"question\": \"a\", \"answer\": \"1\"}", "", "{\"question\": \"b\", \"answer\": ");
        assertEquals(f + " line 3: not JSON", error(f));
    }

    /** Each of these lines is JSON, but not a question with an answer. */
    @ParameterizedTest
    @ValueSource(strings = {
            "[\"q\", \"1\"]",
            "\"What is 1 + 1? 2\"",
            "42",
            "{\"answer\": \"2\"}",
            "{\"question\": 7, \"answer\": \"2\"}",
            "{\"question\": null, \"answer\": \"2\"}",
            "{\"question\": {\"text\": \"q\"}, \"answer\": \"2\"}",
            "{\"question\": \"q\"}",
            "{\"question\": \"q\", \"answer\": null}"})
    void aLineWithoutTextQuestionAndAnswerIsNamed(String line) throws IOException {
        Path f = file("{\"question\": \"ok\", \"answer\": \"5\"}", line);
        assertEquals(f + " line 2" + EXPECTED, error(f), line);
    }

    @Test
    void anAnswerWithoutANumberIsNamedWithTheAnswer() throws IOException {
        Path f = file("{\"question\": \"Which colour?\", \"answer\": \"blue\"}");
        assertEquals(f + " line 1: the answer \"blue\" has no number", error(f));
        Path g = file("{\"question\": \"q\", \"answer\": \"1\"}", "{\"question\": \"q\", \"answer\": true}");
        assertEquals(g + " line 2: the answer \"true\" has no number", error(g));
    }

    @Test
    void aFileWithNoQuestionsIsAnError() throws IOException {
        Path empty = file();
        assertEquals(empty + ": no questions", error(empty));
        Path blank = file("", "  ", "\t");
        assertEquals(blank + ": no questions", error(blank));
    }
}
