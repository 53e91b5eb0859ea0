package dev.redengine.cli;

import dev.redengine.eval.DepthAccuracy;

import java.util.List;

/**
 * One model of a {@code demo} run: the teacher (not trained: {@code end} is {@code start}, measured once) or a
 * student at step 0 ({@code start}) and after distillation ({@code end}).
 *
 * @param init       the student's init method, or "teacher"
 * @param width      the student's width as a fraction of the teacher's (1 for the teacher)
 * @param parameters the model's parameter count; trainable: what the optimizer updates (0 for the teacher)
 * @param loss       the distillation loss, or "" for the teacher
 * @param seconds    wall time of building, measuring and training it
 */
record DemoResult(String name, String init, double width, int hiddenSize, long parameters, long trainable, String loss,
                  Measurement start, Measurement end, double seconds) {

    /** Accuracy by depth on the evaluation problems, eRank per hidden state (L + 1), validation cross-entropy. */
    record Measurement(List<DepthAccuracy> accuracy, double[] erank, double valCe) {
        double meanErank() {
            double s = 0;
            for (double e : erank) {
                s += e;
            }
            return s / erank.length;
        }
    }

    boolean isTeacher() {
        return start == end;
    }
}
