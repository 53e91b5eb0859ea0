package dev.redengine.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Accuracy by depth on the chain task: n problems per depth ({@link ChainTask#problems} with the given seed, the
 * problems tools/make_chain_task.py writes for that seed), each prompt given to {@code answerer} (a model that
 * generates greedily, or anything else that maps a prompt to text) and scored by {@link AnswerScoring#chainCorrect}.
 */
public final class ChainEvaluation {
    private ChainEvaluation() {
    }

    public static List<DepthAccuracy> run(ChainTask task, long seed, int fromDepth, int toDepth, int n,
                                          UnaryOperator<String> answerer) {
        List<DepthAccuracy> out = new ArrayList<>();
        for (int depth = fromDepth; depth <= toDepth; depth++) {
            int correct = 0;
            for (ChainProblem p : task.problems(seed, depth, n)) {
                correct += AnswerScoring.chainCorrect(answerer.apply(p.prompt()), p.answer()) ? 1 : 0;
            }
            out.add(DepthAccuracy.of(depth, correct, n));
        }
        return out;
    }
}
