package dev.redengine.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scoring on hand-made outputs, Wilson intervals against published values, and accuracy by depth with a fake model. */
class EvalScoringTest {

    @Test
    void wilsonIntervalsMatchPublishedValues() {
        // Newcombe (1998), Table I, and the closed form at z = 1.96
        WilsonInterval w = WilsonInterval.of(8, 10);
        assertEquals(0.4902, w.low(), 1e-4);
        assertEquals(0.9433, w.high(), 1e-4);
        WilsonInterval zero = WilsonInterval.of(0, 10);
        assertEquals(0, zero.low(), 1e-12);
        assertEquals(0.2775, zero.high(), 1e-4);
        WilsonInterval all = WilsonInterval.of(10, 10);
        assertEquals(0.7225, all.low(), 1e-4);
        assertEquals(1, all.high(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(3, 2));
        assertThrows(IllegalArgumentException.class, () -> WilsonInterval.of(0, 0));
    }

    @Test
    void chainAnswersMatchExactly() {
        assertTrue(AnswerScoring.chainCorrect("7", "7"));
        assertTrue(AnswerScoring.chainCorrect(" 7;", "7"));
        assertTrue(AnswerScoring.chainCorrect("7a=", "7"));
        assertFalse(AnswerScoring.chainCorrect("72", "7"));
        assertFalse(AnswerScoring.chainCorrect("8", "7"));
        assertFalse(AnswerScoring.chainCorrect("", "7"));
        assertFalse(AnswerScoring.chainCorrect("a7", "7"));
    }

    @Test
    void finalNumbersAreCompared() {
        assertEquals(Optional.of("-22"), AnswerScoring.finalNumber(" 50-6=44. 44-66=-22. So -22."));
        assertEquals(Optional.of("1234"), AnswerScoring.finalNumber("The total is 1,234 apples"));
        assertEquals(Optional.empty(), AnswerScoring.finalNumber("no digits"));
        assertTrue(AnswerScoring.finalNumberCorrect(" 50-6=44. 44-66=-22. So -22.", "-22"));
        assertTrue(AnswerScoring.finalNumberCorrect("so it is 3.50", "#### 3.5"));
        assertFalse(AnswerScoring.finalNumberCorrect(" 50-6=44. 44-66=-22. So 22.", "-22"));
        assertFalse(AnswerScoring.finalNumberCorrect("-22 is wrong, it is 7", "-22"));
        assertFalse(AnswerScoring.finalNumberCorrect("nothing", "5"));
        assertThrows(IllegalArgumentException.class, () -> AnswerScoring.finalNumberCorrect("5", "five"));
    }

    /** A fake model that solves problems of depth <= 3 and answers 0 above: accuracy 1, then about 1/10 (answer 0). */
    @Test
    void accuracyByDepthCountsCorrectAnswers() {
        ChainTask task = new ChainTask(2, false);
        List<DepthAccuracy> rows = ChainEvaluation.run(task, 9, 1, 6, 50, prompt -> {
            ChainSolver.Program p = ChainSolver.parse(prompt);
            return ChainSolver.dependencyChain(p).size() - 1 <= 3 ? ChainSolver.solve(p) + "" : "0";
        });
        assertEquals(6, rows.size());
        for (DepthAccuracy r : rows) {
            assertEquals(50, r.n());
            if (r.depth() <= 3) {
                assertEquals(50, r.correct(), "depth " + r.depth());
            } else {
                long zeros = task.problems(9, r.depth(), 50).stream().filter(p -> p.answer().equals("0")).count();
                assertEquals(zeros, r.correct(), "depth " + r.depth());
                assertTrue(r.low() <= r.accuracy() && r.accuracy() <= r.high());
            }
        }
        assertEquals(WilsonInterval.of(50, 50).low(), rows.get(0).low(), 1e-12);
    }

    @Test
    void depthRangesParse() {
        assertEquals(new DepthRange(1, 8), DepthRange.parse("1-8"));
        assertEquals(new DepthRange(3, 3), DepthRange.parse("3"));
        assertThrows(IllegalArgumentException.class, () -> DepthRange.parse("8-1"));
        assertThrows(IllegalArgumentException.class, () -> DepthRange.parse("0-4"));
        assertThrows(IllegalArgumentException.class, () -> DepthRange.parse("a-b"));
        assertThrows(IllegalArgumentException.class, () -> DepthRange.parse("1-2-3"));
    }
}
