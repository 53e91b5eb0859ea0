package dev.redengine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One line of an eval .jsonl file: {"question": ..., "answer": ...}, the answer's final number being what counts. */
public record QuestionAnswer(String question, String answer) {

    /** Every non-blank line; a line that is not such an object is an error naming the file and line. */
    public static List<QuestionAnswer> read(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<QuestionAnswer> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not JSON");
            }
            if (node == null || !node.isObject() || !node.path("question").isTextual() || !node.hasNonNull("answer")) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected {\"question\": text, \"answer\": ...}");
            }
            String answer = node.get("answer").asText();
            if (AnswerScoring.finalNumber(answer).isEmpty()) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": the answer \"" + answer + "\" has no number");
            }
            out.add(new QuestionAnswer(node.get("question").asText(), answer));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no questions");
        }
        return out;
    }
}
