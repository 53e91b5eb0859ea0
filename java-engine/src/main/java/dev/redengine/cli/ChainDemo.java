package dev.redengine.cli;

import dev.redengine.backend.Backend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.data.HfTokenizer;
import dev.redengine.distill.Distiller;
import dev.redengine.distill.InitMethod;
import dev.redengine.distill.LossWeights;
import dev.redengine.distill.Student;
import dev.redengine.distill.StudentInit;
import dev.redengine.eval.ChainEvaluation;
import dev.redengine.eval.ChainTask;
import dev.redengine.eval.DepthAccuracy;
import dev.redengine.eval.DepthRange;
import dev.redengine.eval.EffectiveRank;
import dev.redengine.eval.Perplexity;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.LossMask;
import dev.redengine.train.AdamW;
import dev.redengine.train.LrSchedule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The run behind {@code demo}: the teacher measured once, then for every width x init a student built as
 * {@code distill} builds it ({@link StudentInit}, calibrated on chain text), measured at step 0, distilled on
 * the same chain text for the same steps x batch x seq-len tokens, and measured again. Measured: accuracy by depth
 * on the evaluation problems (greedy), the RED eRank of every hidden state on a fixed validation batch, and the
 * cross-entropy on the validation batches.
 */
final class ChainDemo {
    /** Distiller queue length: the loop reads the metrics back (one host sync) this often. */
    static final int READ_EVERY = 10;

    record StudentPlan(double width, InitMethod init) {
        String name() {
            return init + "-" + (width == Math.rint(width) ? Long.toString((long) width) : Double.toString(width));
        }
    }

    /**
     * Everything that fixes the result. loss: null for each student kind's distill default. trainQueries, rows and
     * mask: the teacher's training text (queries per program, one program per row or packed) and loss mask (its
     * chain_task.json), which the students' text and logit losses follow, and val CE counts. calibSamples sequences of seqLen tokens calibrate red and minitron; valBatches
     * batches of the validation text give val CE, the first of them eRank.
     */
    record Settings(List<StudentPlan> students, int steps, int batch, int seqLen, double lr, String loss, DepthRange depths,
                    int n, ChainTask task, DepthRange trainDepths, int trainQueries, boolean rows, LossMask mask, DemoSeeds seeds,
                    long projectionSeed, int calibSamples, int calibBatch, int valBatches) {
        /**
         * Units of work of a distillation step, against one evaluated problem: measured on a d 128 x 4-layer teacher
         * on 2 cores, a step of 16 x 128 tokens cost about as much as 20 greedy answers (a short prompt's forward and
         * two decoding steps, dominated by fixed costs). Only the progress bar's ETA depends on it.
         */
        long stepUnits() {
            return Math.max(1, (long) batch * seqLen / 100);
        }

        long problems() {
            return (long) (depths.to() - depths.from() + 1) * n;
        }

        long totalUnits() {
            return problems() * (1 + 2L * students.size()) + students.size() * steps * stepUnits();
        }
    }

    private final Settings s;
    private final CausalLM teacher;
    private final String teacherName;
    private final HfTokenizer tok;
    private final Set<Integer> eos;
    private final Backend be;
    private final WorkProgress progress;
    private final EffectiveRank erank = EffectiveRank.cpu();

    ChainDemo(Settings s, CausalLM teacher, String teacherName, HfTokenizer tok, Set<Integer> eos, WorkProgress progress) {
        this.s = s;
        this.teacher = teacher;
        this.teacherName = teacherName;
        this.tok = tok;
        this.eos = eos;
        this.be = teacher.backend();
        this.progress = progress;
    }

    /** The data every model shares: training sequences, calibration set, validation batches. */
    record Data(int[][] train, CalibrationSet calibration, CalibrationSet validation) {
        List<int[]> validationBatches(int batch) {
            int t = validation.seqLen();
            List<int[]> out = new ArrayList<>();
            for (int b = 0; b + batch <= validation.numSequences(); b += batch) {
                int[] ids = new int[batch * t];
                for (int i = 0; i < batch; i++) {
                    System.arraycopy(validation.sequence(b + i), 0, ids, i * t, t);
                }
                out.add(ids);
            }
            return out;
        }
    }

    List<DemoResult> run(Data data) throws IOException {
        List<DemoResult> results = new ArrayList<>();
        results.add(measureTeacher(data));
        for (StudentPlan st : s.students()) {
            results.add(distil(st, data));
        }
        return results;
    }

    private DemoResult measureTeacher(Data data) {
        long t0 = System.nanoTime();
        progress.phase("teacher: accuracy by depth");
        List<DepthAccuracy> acc = accuracy(teacher);
        List<int[]> val = data.validationBatches(s.batch());
        Activations a = teacher.allocateActivations(s.batch(), s.seqLen());
        teacher.setInput(a, val.getFirst());
        teacher.forward(a);
        double[] ranks = Distiller.hiddenStateRanks(teacher, a, erank);
        double ce = Perplexity.of(teacher, data.validation(), s.batch(), s.mask()).meanLoss();
        DemoResult.Measurement m = new DemoResult.Measurement(acc, ranks, ce);
        DemoResult r = new DemoResult(teacherName, "teacher", 1, teacher.config().hiddenSize(), teacher.parameters().count(),
                0, "", m, m, (System.nanoTime() - t0) / 1e9);
        progress.note(String.format("%s: accuracy %s, mean eRank %.1f, val CE %.3f", teacherName, brief(acc), m.meanErank(), ce));
        return r;
    }

    private DemoResult distil(StudentPlan st, Data data) throws IOException {
        long t0 = System.nanoTime();
        int hidden = hiddenSize(teacher.config().hiddenSize(), st.width());
        boolean projections = st.init().projectionByDefault();
        progress.phase(st.name() + ": building the student (d " + hidden + ")");
        StudentInit.Built built = StudentInit.build(new StudentInit.Request(st.init(), hidden, null, null,
                StudentInit.defaultGains(st.init()), s.projectionSeed(), projections), teacher, data::calibration, s.calibBatch());
        Student student = built.toStudent(projections, be);
        LossWeights loss = s.loss() != null ? LossWeights.parse(s.loss()) : LossWeights.defaultFor(projections);
        Distiller d = new Distiller(teacher, student, new Distiller.Settings(loss, 1f, 1, false, s.mask()),
                new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0f, 1f),
                new LrSchedule(s.lr(), (int) Math.round(0.05 * s.steps()), s.steps(), 0.1, LrSchedule.Decay.LINEAR),
                s.batch(), s.seqLen(), READ_EVERY);
        List<int[]> val = data.validationBatches(s.batch());
        progress.phase(st.name() + ": step 0");
        DemoResult.Measurement start = measure(student, d, val);
        progress.note(String.format("%s step 0: accuracy %s, mean eRank %.1f, val CE %.3f", st.name(), brief(start.accuracy()),
                start.meanErank(), start.valCe()));
        progress.phase(st.name() + ": distilling (" + loss + ")");
        int[] ids = new int[s.batch() * s.seqLen()];
        for (int step = 1; step <= s.steps(); step++) {
            for (int b = 0; b < s.batch(); b++) {
                System.arraycopy(data.train()[(step - 1) * s.batch() + b], 0, ids, b * s.seqLen(), s.seqLen());
            }
            d.step(ids);
            if (step % READ_EVERY == 0 || step == s.steps()) {
                List<Distiller.StepMetrics> rows = d.read();
                progress.advance(rows.size() * s.stepUnits(), String.format("step %d/%d loss %.4f", step, s.steps(),
                        rows.getLast().loss()));
            }
        }
        progress.phase(st.name() + ": after distillation");
        DemoResult.Measurement end = measure(student, d, val);
        progress.note(String.format("%s end: accuracy %s, mean eRank %.1f, val CE %.3f", st.name(), brief(end.accuracy()),
                end.meanErank(), end.valCe()));
        return new DemoResult(st.name(), st.init().name(), st.width(), hidden, student.model().parameters().count(),
                student.trainable().count(), loss.toString(), start, end, (System.nanoTime() - t0) / 1e9);
    }

    private DemoResult.Measurement measure(Student student, Distiller d, List<int[]> val) {
        student.beginStep();   // the model's weights are those of the trainable parameters
        List<DepthAccuracy> acc = accuracy(student.model());
        double[] ranks = d.studentErank(val.getFirst(), erank);
        double ce = d.validate(val).ce();
        return new DemoResult.Measurement(acc, ranks, ce);
    }

    private List<DepthAccuracy> accuracy(CausalLM lm) {
        UnaryOperator<String> answerer = new GreedyChainAnswerer(lm, tok, eos);
        return ChainEvaluation.run(s.task(), s.seeds().eval(), s.depths().from(), s.depths().to(), s.n(), prompt -> {
            String out = answerer.apply(prompt);
            progress.advance(1);
            return out;
        });
    }

    /** The student's width: the teacher's times the fraction, rounded, at least 1. */
    static int hiddenSize(int teacherHidden, double width) {
        return Math.max(1, (int) Math.round(teacherHidden * width));
    }

    private static String brief(List<DepthAccuracy> acc) {
        return Arrays.toString(acc.stream().map(a -> String.format("%.2f", a.accuracy())).toArray());
    }
}
