package dev.redengine.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ends of the ranges the chain task accepts (depth, variables, depth ranges) and the solver's prompt text. */
class ChainBoundsTest {

    @Test
    void depthsFromOneToMaxAreAccepted() {
        ChainTask task = new ChainTask(0, false);
        assertEquals(1, task.problem(3, 1).depth());
        assertEquals(ChainTask.MAX_DEPTH, task.problem(3, ChainTask.MAX_DEPTH).depth());
        assertEquals("depth must be in [1, 20], got 0",
                assertThrows(IllegalArgumentException.class, () -> task.problem(3, 0)).getMessage());
        assertEquals("depth must be in [1, 20], got 21",
                assertThrows(IllegalArgumentException.class, () -> task.problem(3, 21)).getMessage());
    }

    @Test
    void depthPlusOnePlusDistractorsMayUseAllTwentySixLetters() {
        ChainProblem full = new ChainTask(5, true).problem(9, 20);   // 21 chain variables + 5 distractors = 26
        assertEquals(26, full.prompt().split(";").length - 1);
        assertEquals(ChainSolver.solve(ChainSolver.parse(full.prompt())), Integer.parseInt(full.answer()));
        assertEquals("depth 20 with 6 distractors needs 27 variables; there are 26 letters",
                assertThrows(IllegalArgumentException.class, () -> new ChainTask(6, false).problem(9, 20)).getMessage());
        assertEquals("depth 3 with 23 distractors needs 27 variables; there are 26 letters",
                assertThrows(IllegalArgumentException.class, () -> new ChainTask(23, false).problem(9, 3)).getMessage());
        assertEquals(26, new ChainTask(22, false).problem(9, 3).prompt().split(";").length - 1);
    }

    @Test
    void depthRangesAtTheirEnds() {
        assertEquals(new DepthRange(1, 1), DepthRange.parse("1"));
        assertEquals(new DepthRange(20, 20), DepthRange.parse("20"));
        assertEquals(new DepthRange(1, 20), DepthRange.parse(" 1-20 "));
        assertEquals(new DepthRange(7, 7), DepthRange.parse("7-7"));
        for (String bad : new String[]{"0", "21", "0-3", "3-21", "5-4"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DepthRange.parse(bad), bad);
            assertEquals("depths must lie in 1-20 with from <= to, got " + (bad.contains("-") ? bad : bad + "-" + bad),
                    e.getMessage());
        }
    }

    @Test
    void aParsedProgramPrintsItsPromptBack() {
        String prompt = "q=4;c=q+7;z=c-9;k=3;z=?";
        ChainSolver.Program p = ChainSolver.parse(prompt);
        assertEquals(prompt, p.prompt());
        assertEquals("q=4", p.statements().get(0).text());
        assertEquals("c=q+7", p.statements().get(1).text());
        assertEquals(2, ChainSolver.solve(p));   // 4 + 7 = 11 -> 1, 1 - 9 -> 2 (mod 10)
    }

    @Test
    void solvingACycleIsAnErrorNotAStackOverflow() {
        ChainSolver.Program cycle = ChainSolver.parse("a=b+1;b=c+2;c=a-3;d=5;a=?");
        // a (depth 0), b, c, a, b, c (depth 5 > 4 definitions)
        assertEquals("variable c is undefined or cyclic",
                assertThrows(IllegalArgumentException.class, () -> ChainSolver.solve(cycle)).getMessage());
    }
}
