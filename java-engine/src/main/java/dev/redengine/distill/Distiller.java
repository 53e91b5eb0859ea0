package dev.redengine.distill;

import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.eval.EffectiveRank;
import dev.redengine.eval.Matrix;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import dev.redengine.train.AdamW;
import dev.redengine.model.LossMask;
import dev.redengine.train.LrSchedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Knowledge distillation, one optimizer step at a time: the frozen teacher runs forward only (no gradients,
 * no backward scratch), the student runs forward and backward, the {@link LossWeights weighted loss terms}
 * give the gradient (logit terms through fused loss ops on the logits, activation terms through
 * {@link ActivationLosses}, injected into the student's backward), AdamW updates the student's trainable
 * parameters. {@code gradAccum} micro-batches of B
 * sequences make one step; each term is a mean over its tokens, averaged over the micro-batches.
 *
 * <p>Like {@link dev.redengine.train.LmTrainer} everything is allocated in the constructor and a step reads
 * nothing back: the optimizer scalars and each term's loss sum of every step are copied into a device table of
 * {@code historySteps} rows, which {@link #read} downloads once per log interval and turns into one row per
 * step. The only exception is {@code skipNonFinite}, which reads the non-finite flag after every step.
 */
public final class Distiller {
    /**
     * How the loss is composed and how many micro-batches make a step. mask picks the positions the logit terms
     * (CE and KL) and the validation count: with a marker, only the prediction after it (a student is distilled on
     * the answers of a teacher trained on its answers alone, whose other predictions were never trained); the
     * activation terms always compare every position.
     */
    public record Settings(LossWeights loss, float temperature, int gradAccum, boolean skipNonFinite, LossMask mask) {
        /** Every position counts. */
        public Settings(LossWeights loss, float temperature, int gradAccum, boolean skipNonFinite) {
            this(loss, temperature, gradAccum, skipNonFinite, LossMask.ALL);
        }

        public Settings {
            java.util.Objects.requireNonNull(mask, "mask");
            if (!(temperature > 0) || !Float.isFinite(temperature)) {
                throw new IllegalArgumentException("--temperature must be a finite number > 0, got " + temperature);
            }
            if (gradAccum < 1) {
                throw new IllegalArgumentException("--grad-accum must be >= 1, got " + gradAccum);
            }
        }
    }

    /**
     * One step as read back: the weighted total, each term's mean, the learning rate and gradient norm, whether
     * the step was skipped for a non-finite loss or gradient, and how many steps have been skipped so far.
     */
    public record StepMetrics(int step, double loss, Map<LossTerm, Double> terms, float lr, float gradNorm,
                              boolean skipped, int skippedSoFar) {
    }

    /**
     * The loss on held-out data: the student's next-token cross-entropy, KL(teacher || student) at T = 1, and the
     * teacher's own cross-entropy (the floor the student is distilled towards); tokens: the positions the KL is a
     * mean over (all, or those the loss mask keeps).
     */
    public record Validation(double ce, double kl, double teacherCe, long tokens) {
    }

    private static final int ROW_SCALARS = OptimizerScalars.SIZE;

    private final CausalLM teacher;
    private final Student student;
    private final CausalLM model;
    private final Backend be;
    private final Settings settings;
    private final AdamW optimizer;
    private final Activations teacherActs;   // the teacher's forward only
    private final Activations acts;          // the student's, kept for its backward
    private final List<LossTerm> terms;
    private final List<LossTerm> logitTerms;            // the terms computed from the logits, in order
    private final ActivationLosses activationLosses;   // the clone / hidden terms, or null when there are none
    private final int width;                 // one history row: optimizer scalars, then each term's loss sum
    private final int capacity;
    private final Tensor history;            // [capacity, width]
    private final Tensor termSums;           // [K] this step's loss sum per term
    private final Tensor evalSums;           // [3] validation: student cross-entropy, KL, teacher cross-entropy sums
    private final Tensor gradAcc;            // [N, V] the logit terms' gradients but the last, or null
    private final Tensor gradTmp;            // [N, V] one of them, with 3 logit terms, or null
    private final Tensor rowMask;            // int32 [N] the positions the KL counts, or null when all count
    private final int[] rowStep;             // host: which step each queued row holds
    private final long[][] rowCounts;        // host: [capacity][K] tokens each term's sum is over
    private final boolean[] rowSkipped;
    private int queued;
    private int stepsTaken;
    private int skipped;

    public Distiller(CausalLM teacher, Student student, Settings settings, AdamW.Settings optimizer,
                     LrSchedule schedule, int batch, int seqLen, int historySteps) {
        ModelConfig tc = teacher.config(), sc = student.model().config();
        if (tc.vocabSize() != sc.vocabSize()) {
            throw new IllegalArgumentException("teacher and student vocabularies differ: " + tc.vocabSize() + " vs "
                    + sc.vocabSize() + " (distillation compares their next-token distributions)");
        }
        if (teacher.backend() != student.model().backend()) {
            throw new IllegalArgumentException("teacher and student live on different backends");
        }
        if (historySteps < 1) {
            throw new IllegalArgumentException("historySteps must be >= 1");
        }
        this.teacher = teacher;
        this.student = student;
        this.model = student.model();
        this.be = model.backend();
        this.settings = settings;
        this.terms = settings.loss().terms();
        this.logitTerms = terms.stream().filter(LossTerm::onLogits).toList();
        this.teacherActs = teacher.allocateActivations(batch, seqLen);
        this.acts = model.allocateActivations(batch, seqLen);
        this.activationLosses = activationLosses(teacher, student, settings.loss(), batch, seqLen);
        model.prepareBackward(acts, activationLosses == null ? null : activationLosses.injected());
        this.optimizer = new AdamW(be, optimizer, student.trainable(), student.trainableGradients(), schedule);
        this.width = ROW_SCALARS + terms.size();
        this.capacity = historySteps;
        this.history = be.allocate(capacity, width);
        this.termSums = be.allocate(terms.size());
        this.evalSums = be.allocate(3);
        int n = batch * seqLen;
        this.gradAcc = logitTerms.size() >= 2 ? be.allocate(n, sc.vocabSize()) : null;
        this.gradTmp = logitTerms.size() >= 3 ? be.allocate(n, sc.vocabSize()) : null;
        this.rowMask = settings.mask().masksAnything() ? be.allocate(DType.I32, n) : null;
        this.rowStep = new int[capacity];
        this.rowCounts = new long[capacity][terms.size()];
        this.rowSkipped = new boolean[capacity];
    }

    /** The activation terms for this kind of student, or null when the loss has none. */
    private static ActivationLosses activationLosses(CausalLM teacher, Student student, LossWeights loss, int batch,
                                                     int seqLen) {
        Map<LossTerm, Float> w = new EnumMap<>(LossTerm.class);
        for (LossTerm t : loss.terms()) {
            if (!t.onLogits()) {
                w.put(t, (float) loss.weight(t));
            }
        }
        if (w.isEmpty()) {
            return null;
        }
        return switch (student) {
            case ProjectionStudent p -> ActivationLosses.lowRank(teacher, p.projected(), w, batch, seqLen);
            case FullStudent f when f.keptChannels() != null -> ActivationLosses.pruned(teacher, f.model(), f.keptChannels(), w, batch, seqLen);
            case FullStudent f -> throw new IllegalArgumentException("loss terms " + w.keySet().stream().map(t -> t.key()).toList()
                    + " compare hidden states with the teacher's mapped to the student's width, and this student has no "
                    + "map: train projections (--trainable projections) or start from a channel selection (--init red, magnitude, minitron)");
        };
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public Student student() {
        return student;
    }

    public List<LossTerm> terms() {
        return terms;
    }

    /** Tokens one step trains on: gradAccum x B x T. */
    public int tokensPerStep() {
        return settings.gradAccum() * acts.batch * acts.seqLen;
    }

    /** Sets where the step counter stands (after a resume), so that metrics name the right steps. */
    public void resumedAt(int step, int skippedSoFar) {
        this.stepsTaken = step;
        this.skipped = skippedSoFar;
    }

    /**
     * Queues one optimizer step on ids [gradAccum * B * T] (the micro-batches one after another). At most
     * {@code historySteps} steps may be queued between two {@link #read}s.
     */
    public void step(int[] ids) {
        int micro = acts.batch * acts.seqLen;
        if (ids.length != settings.gradAccum() * micro) {
            throw new IllegalArgumentException("expected " + settings.gradAccum() + " x " + acts.batch + " x " + acts.seqLen
                    + " token ids, got " + ids.length);
        }
        if (queued == capacity) {
            throw new IllegalStateException(capacity + " steps queued without a read of their metrics");
        }
        int row = queued;
        student.beginStep();
        student.zeroGradients();
        be.zero(termSums);
        if (activationLosses != null) {
            activationLosses.zeroLosses();
        }
        long[] counts = rowCounts[row];
        Arrays.fill(counts, 0);
        for (int m = 0; m < settings.gradAccum(); m++) {
            int[] part = Arrays.copyOfRange(ids, m * micro, (m + 1) * micro);
            teacher.setInput(teacherActs, part);
            teacher.forward(teacherActs);                 // frozen: no backward, its activations are overwritten next time
            model.setInput(acts, part);
            model.forward(acts);
            queueLogitLosses(part, counts);               // the fused losses leave dL/dlogits in acts.logits
            if (activationLosses == null) {
                model.backward(acts, acts.logits);
            } else {
                activationLosses.accumulate(teacherActs, acts, 1f / settings.gradAccum());
                model.backward(acts, acts.logits, activationLosses.injected());
            }
        }
        if (activationLosses != null) {                  // each micro-batch added the term's mean over it
            for (int k = 0; k < terms.size(); k++) {
                if (!terms.get(k).onLogits()) {
                    be.copy(termSums.viewAt(k, 1), activationLosses.lossSums().viewAt(terms.get(k).ordinal(), 1));
                    counts[k] = settings.gradAccum();
                }
            }
        }
        student.endBackward();
        optimizer.step();
        be.copy(history.viewAt((long) row * width, ROW_SCALARS), optimizer.scalars());
        be.copy(history.viewAt((long) row * width + ROW_SCALARS, terms.size()), termSums);
        stepsTaken++;
        rowStep[row] = stepsTaken;
        rowSkipped[row] = false;
        if (settings.skipNonFinite()) {
            Tensor flag = optimizer.slot(OptimizerScalars.NON_FINITE);
            if (be.downloadFloats(flag)[0] != 0) {       // AdamW left the parameters alone; let the next step run
                rowSkipped[row] = true;
                skipped++;
                be.zero(flag);
            }
        }
        queued++;
    }

    /**
     * Each logit term adds its loss sum into its slot of termSums and leaves weight x gradient of its mean; the
     * last one writes over the student's logits and the others' gradients are added to it.
     */
    private void queueLogitLosses(int[] ids, long[] counts) {
        if (logitTerms.isEmpty()) {
            be.zero(acts.logits);                         // no logit term: no gradient reaches the logits
            return;
        }
        int[] targets = settings.mask().targets(ids, acts.batch, acts.seqLen);
        int targetCount = count(targets);
        int rows = uploadRowMask(ids);
        for (int i = 0; i < logitTerms.size(); i++) {
            LossTerm t = logitTerms.get(i);
            boolean last = i == logitTerms.size() - 1;
            Tensor dst = last ? acts.logits : i == 0 ? gradAcc : gradTmp;
            int k = terms.indexOf(t);
            Tensor sum = termSums.viewAt(k, 1);
            double w = settings.loss().weight(t);
            if (t == LossTerm.CE) {
                be.upload(acts.targets, targets);
                be.crossEntropy(acts.losses, sum, dst, acts.logits, acts.targets,
                        (float) (w / ((double) targetCount * settings.gradAccum())));
                counts[k] += targetCount;
            } else {
                be.klDivergence(acts.losses, sum, dst, acts.logits, teacherActs.logits, rowMask, settings.temperature(),
                        t == LossTerm.REVERSE_KL, (float) (w / ((double) rows * settings.gradAccum())));
                counts[k] += rows;
            }
            if (i >= 2) {
                be.accumulate(gradAcc, gradTmp);
            }
            if (last && i > 0) {
                be.accumulate(acts.logits, gradAcc);
            }
        }
    }

    private static int count(int[] targets) {
        int c = 0;
        for (int x : targets) {
            c += x >= 0 ? 1 : 0;
        }
        if (c == 0) {
            throw new IllegalArgumentException("a micro-batch has no position to count: every target is masked or ignored");
        }
        return c;
    }

    /**
     * With a marker: uploads rowMask [N] (1 at the positions the mask keeps) and returns how many rows it selects;
     * the KL has no target, so a kept position at the end of a row counts too. Without one: N, every row.
     */
    private int uploadRowMask(int[] ids) {
        if (rowMask == null) {
            return ids.length;
        }
        boolean[] kept = settings.mask().positions(ids, acts.batch, acts.seqLen);
        int[] m = new int[ids.length];
        int rows = 0;
        for (int i = 0; i < ids.length; i++) {
            m[i] = kept[i] ? 1 : 0;
            rows += m[i];
        }
        if (rows == 0) {
            throw new IllegalArgumentException("a micro-batch holds no token " + settings.mask().marker()
                    + " (the loss mask's marker): nothing to distil on");
        }
        be.upload(rowMask, m);
        return rows;
    }

    /**
     * Downloads the queued steps' metrics (one sync point) and empties the table. A non-finite loss or gradient
     * (unless skipped) is an ArithmeticException naming the step and the first gradient tensor at fault; the
     * parameters then hold their values from before that step.
     */
    public List<StepMetrics> read() {
        if (queued == 0) {
            return List.of();
        }
        float[] h = be.downloadFloats(history.viewAt(0, queued * width));
        List<StepMetrics> rows = new ArrayList<>();
        int skippedBefore = skipped;
        for (int r = queued - 1; r >= 0; r--) {
            skippedBefore -= rowSkipped[r] ? 1 : 0;
        }
        for (int r = 0; r < queued; r++) {
            int base = r * width;
            int nonFinite = (int) h[base + OptimizerScalars.NON_FINITE];
            Map<LossTerm, Double> means = new EnumMap<>(LossTerm.class);
            double total = 0;
            boolean finite = true;
            for (int k = 0; k < terms.size(); k++) {
                double mean = h[base + ROW_SCALARS + k] / (double) rowCounts[r][k];
                means.put(terms.get(k), mean);
                total += settings.loss().weight(terms.get(k)) * mean;
                finite &= Double.isFinite(mean);
            }
            skippedBefore += rowSkipped[r] ? 1 : 0;
            if (!rowSkipped[r] && (nonFinite != 0 || !finite)) {
                queued = 0;
                int step = nonFinite != 0 ? nonFinite : rowStep[r];
                String tensor = optimizer.firstNonFiniteGradient();
                throw new ArithmeticException("step " + step + ": the loss or the gradient is not finite (NaN or Inf)"
                        + (tensor != null ? ", first in the gradient of " + tensor : "")
                        + ": distillation diverged; try a lower --lr or --skip-nonfinite");
            }
            rows.add(new StepMetrics(rowStep[r], total, means, h[base + OptimizerScalars.LR],
                    h[base + OptimizerScalars.GRAD_NORM], rowSkipped[r], skippedBefore));
        }
        queued = 0;
        return rows;
    }

    /** The student's loss on held-out batches ids [B * T] each, with the current parameters (a sync point). */
    public Validation validate(List<int[]> batches) {
        student.beginStep();
        be.zero(evalSums);
        long ceCount = 0, tokens = 0;
        for (int[] ids : batches) {
            teacher.setInput(teacherActs, ids);
            teacher.forward(teacherActs);
            model.setInput(acts, ids);
            model.forward(acts);
            int[] targets = settings.mask().targets(ids, acts.batch, acts.seqLen);
            be.upload(acts.targets, targets);
            be.crossEntropy(acts.losses, evalSums.viewAt(0, 1), null, acts.logits, acts.targets, 0f);
            tokens += uploadRowMask(ids);
            be.klDivergence(acts.losses, evalSums.viewAt(1, 1), null, acts.logits, teacherActs.logits, rowMask, 1f, false, 0f);
            be.crossEntropy(acts.losses, evalSums.viewAt(2, 1), null, teacherActs.logits, acts.targets, 0f);
            ceCount += count(targets);
        }
        float[] sums = be.downloadFloats(evalSums);
        return new Validation(sums[0] / (double) ceCount, sums[1] / (double) tokens, sums[2] / (double) ceCount, tokens);
    }

    /** RED eRank of each of the student's hidden states (L + 1 of them) on ids [B * T]. */
    public double[] studentErank(int[] ids, EffectiveRank erank) {
        student.beginStep();
        model.setInput(acts, ids);
        model.forward(acts);
        return hiddenStateRanks(model, acts, erank);
    }

    /** RED eRank of each of the teacher's hidden states on ids [B * T]. */
    public double[] teacherErank(int[] ids, EffectiveRank erank) {
        teacher.setInput(teacherActs, ids);
        teacher.forward(teacherActs);
        return hiddenStateRanks(teacher, teacherActs, erank);
    }

    /** RED eRank of each hidden state (L + 1) that the last forward of lm into a left, [B * T, d] each. */
    public static double[] hiddenStateRanks(CausalLM lm, Activations a, EffectiveRank erank) {
        int n = a.batch * a.seqLen, d = lm.config().hiddenSize();
        List<Matrix> ms = new ArrayList<>();
        for (int i = 0; i < a.hiddenCount(); i++) {
            ms.add(new Matrix(lm.backend().downloadFloats(a.hidden(i)), n, d));
        }
        return erank.computeAll(ms, EffectiveRank.Definition.RED);
    }
}
