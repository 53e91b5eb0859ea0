package dev.redengine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chain task has the depth it claims: its answer is what an independent evaluator of the text
 * ({@link ChainSolver}) computes; the query's dependency chain has exactly depth derived statements and a
 * constant; changing any statement on the chain changes the answer and changing any other (a distractor) never
 * does. And the Python twin (tools/make_chain_task.py) writes the same text for the same seeds.
 */
class ChainTaskTest {

    static List<ChainProblem> many(ChainTask task) {
        List<ChainProblem> out = new ArrayList<>();
        for (int depth = 1; depth <= 12; depth++) {
            out.addAll(task.problems(5, depth, 40));
        }
        return out;
    }

    @ParameterizedTest(name = "distractors={0} shuffle={1}")
    @CsvSource({"0, false", "3, false", "4, true", "10, true"})
    void answerNeedsEveryChainStatementAndNoDistractor(int distractors, boolean shuffle) {
        ChainTask task = new ChainTask(distractors, shuffle);
        for (ChainProblem p : many(task)) {
            ChainSolver.Program prog = ChainSolver.parse(p.prompt());
            assertEquals(p.answer(), Integer.toString(ChainSolver.solve(prog)), p.prompt());
            assertEquals(p.depth() + 1 + distractors, prog.statements().size(), p.prompt());
            List<ChainSolver.Statement> chain = ChainSolver.dependencyChain(prog);
            assertEquals(p.depth() + 1, chain.size(), "depth = derived statements on the query's chain: " + p.prompt());
            Set<ChainSolver.Statement> onChain = new HashSet<>(chain);
            for (int i = 0; i < prog.statements().size(); i++) {
                for (ChainSolver.Statement changed : variants(prog.statements().get(i))) {
                    List<ChainSolver.Statement> s = new ArrayList<>(prog.statements());
                    ChainSolver.Statement original = s.set(i, changed);
                    String answer = Integer.toString(ChainSolver.solve(new ChainSolver.Program(s, prog.query())));
                    if (onChain.contains(original)) {
                        assertNotEquals(p.answer(), answer, "changing chain statement " + original + " of " + p.prompt());
                    } else {
                        assertEquals(p.answer(), answer, "changing distractor " + original + " of " + p.prompt());
                    }
                }
            }
        }
    }

    /** Every other constant of the same kind of statement: another value, another k of +k or -k. */
    static List<ChainSolver.Statement> variants(ChainSolver.Statement s) {
        List<ChainSolver.Statement> out = new ArrayList<>();
        int[] ks = s.source() == 0 ? new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9} : new int[]{1, 2, 3, 4, 5, 6, 7, 8, 9};
        for (int k : ks) {
            if (k != s.k()) {
                out.add(new ChainSolver.Statement(s.target(), s.source(), s.op(), k));
            }
        }
        return out;
    }

    @Test
    void unshuffledStatementsDefineBeforeUse() {
        for (ChainProblem p : many(new ChainTask(3, false))) {
            Set<Character> defined = new HashSet<>();
            for (ChainSolver.Statement s : ChainSolver.parse(p.prompt()).statements()) {
                assertTrue(s.source() == 0 || defined.contains(s.source()), p.prompt());
                defined.add(s.target());
            }
        }
    }

    @Test
    void seedsRepeatAndDiffer() {
        ChainTask t = new ChainTask(2, true);
        assertEquals(t.problems(3, 4, 20), t.problems(3, 4, 20));
        assertNotEquals(t.problems(3, 4, 20), t.problems(4, 4, 20));
        Set<String> prompts = new HashSet<>();
        t.problems(3, 4, 200).forEach(p -> prompts.add(p.prompt()));
        assertTrue(prompts.size() > 190, "problems repeat: " + prompts.size() + " distinct of 200");
        int[] answers = new int[10];
        t.problems(3, 4, 500).forEach(p -> answers[Integer.parseInt(p.answer())]++);
        for (int a : answers) {
            assertTrue(a > 20, "answers are far from uniform: " + java.util.Arrays.toString(answers));
        }
    }

    @Test
    void badDepthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ChainTask(2, false).problem(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChainTask(10, false).problem(1, 20));
        assertThrows(IllegalArgumentException.class, () -> new ChainTask(-1, false));
        assertThrows(IllegalArgumentException.class, () -> new ChainTask(2, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChainTask(2, false, 10));
    }

    /** Every step of a max-step-3 task is +k or -k with k in 1..3, and the answer is the chain's value. */
    @Test
    void smallStepsStayWithinTheirBound() {
        ChainTask task = new ChainTask(2, false, 3);
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int depth = 1; depth <= 8; depth++) {
            for (ChainProblem p : task.problems(21, depth, 20)) {
                ChainSolver.Program program = ChainSolver.parse(p.prompt());
                for (ChainSolver.Statement st : program.statements()) {
                    if (st.source() != 0) {
                        seen.add(st.k());
                    }
                }
                assertEquals(Integer.toString(ChainSolver.solve(program)), p.answer());
            }
        }
        assertEquals(java.util.Set.of(1, 2, 3), seen);
        // the bounds themselves are allowed: max step 1 makes every step +1 or -1
        for (ChainProblem p : new ChainTask(0, false, 1).problems(3, 4, 10)) {
            for (ChainSolver.Statement st : ChainSolver.parse(p.prompt()).statements()) {
                assertTrue(st.source() == 0 || st.k() == 1, p.prompt());
            }
        }
        assertEquals(9, new ChainTask(0, false, 9).maxStep());
    }

    /**
     * Samples written by the Python twin, see src/test/resources/chain/README.md for the commands:
     * tools/make_chain_task.py sample-seed7.jsonl --depths 1-8 --n 3 --distractors 3 --seed 7, and
     * sample-seed11-shuffled.jsonl --depths 1-8 --n 3 --distractors 2 --shuffle --seed 11, and
     * sample-seed13-step3.jsonl --depths 1-8 --n 3 --distractors 0 --seed 13 --max-step 3.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"sample-seed7.jsonl, 7, 3, false, 9", "sample-seed11-shuffled.jsonl, 11, 2, true, 9",
            "sample-seed13-step3.jsonl, 13, 0, false, 3"})
    void javaWritesWhatThePythonTwinWrote(String file, long seed, int distractors, boolean shuffle, int maxStep)
            throws IOException {
        Path path = Path.of("src/test/resources/chain").resolve(file);
        List<String> lines = Files.readAllLines(path);
        ChainTask task = new ChainTask(distractors, shuffle, maxStep);
        ObjectMapper json = new ObjectMapper();
        int i = 0;
        for (int depth = 1; depth <= 8; depth++) {
            for (ChainProblem p : task.problems(seed, depth, 3)) {
                JsonNode line = json.readTree(lines.get(i++));
                assertEquals(line.get("prompt").asText(), p.prompt(), file + " line " + i);
                assertEquals(line.get("answer").asText(), p.answer(), file + " line " + i);
                assertEquals(line.get("text").asText(), p.text(), file + " line " + i);
                assertEquals(depth, line.get("depth").asInt());
            }
        }
        assertEquals(lines.size(), i);
    }
}
