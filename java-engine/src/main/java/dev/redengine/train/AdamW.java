package dev.redengine.train;

import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.backend.TensorArena;
import dev.redengine.model.Parameters;
import dev.redengine.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * AdamW with global-norm gradient clipping over a set of {@link Parameters} and their gradients (same names and
 * layout). Everything it needs is allocated in the constructor, on the backend beside the parameters: both
 * moments, the optimizer scalars ({@link OptimizerScalars}) and the learning-rate schedule as a table. A
 * {@link #step} is then a fixed sequence of backend ops with no host round trip: the gradient norm, the clip
 * scale, the step counter and the learning rate stay on the device, and a non-finite gradient sets a flag there
 * that stops further updates. The host reads them with {@link #read}, once per log interval. Weight decay skips
 * 1-D tensors (norm gains, biases), as is usual.
 */
public final class AdamW {
    public record Settings(float beta1, float beta2, float eps, float weightDecay, float clipNorm) {
        public static Settings defaults() {
            return new Settings(0.9f, 0.999f, 1e-8f, 0.0f, 1.0f);
        }
    }

    /** The optimizer's scalars as last read. nonFiniteStep is 0, or the first step whose gradient was not finite. */
    public record State(int step, float lr, float gradNorm, float clipScale, int nonFiniteStep, float lossSum) {
    }

    private final Backend be;
    private final Settings s;
    private final Parameters grads;
    private final Parameters m, v;   // first and second moments, the parameters' names and layout
    private final List<Parameters.Span> paramSpans, gradSpans, mSpans, vSpans;
    private final Tensor scalars;   // [OptimizerScalars.SIZE]
    private final Tensor lrTable;   // [S] the learning rate of steps 1..S

    public AdamW(Backend be, Settings settings, Parameters params, Parameters grads, LrSchedule schedule) {
        this.be = be;
        this.s = settings;
        this.grads = grads;
        for (Map.Entry<String, Tensor> e : params.asMap().entrySet()) {
            Tensor g = grads.find(e.getKey());
            if (g == null || !g.sameShape(e.getValue())) {
                throw new IllegalArgumentException("no gradient of shape " + e.getValue() + " for " + e.getKey());
            }
        }
        this.paramSpans = params.spans();
        this.gradSpans = grads.spans();
        this.m = Parameters.allocateLike(be, params);
        this.v = Parameters.allocateLike(be, params);
        this.mSpans = m.spans();
        this.vSpans = v.spans();
        for (int i = 0; i < paramSpans.size(); i++) {
            if (i >= gradSpans.size() || gradSpans.get(i).tensor().numel() != paramSpans.get(i).tensor().numel()) {
                throw new IllegalArgumentException("parameters and gradients are laid out differently");
            }
        }
        this.scalars = be.allocate(OptimizerScalars.SIZE);
        float[] lr = new float[schedule.totalSteps()];
        for (int step = 1; step <= lr.length; step++) {
            lr[step - 1] = schedule.at(step);
        }
        this.lrTable = be.allocate(lr.length);
        be.upload(lrTable, lr);
    }

    /** The optimizer scalars [OptimizerScalars.SIZE] on the device: the loss sum accumulates into a view of it. */
    public Tensor scalars() {
        return scalars;
    }

    /** The first moments (same names and layout as the parameters): what a checkpoint saves. */
    public Parameters firstMoments() {
        return m;
    }

    /** The second moments. */
    public Parameters secondMoments() {
        return v;
    }

    /** A [1] view of one slot of {@link #scalars()}. */
    public Tensor slot(int index) {
        return scalars.viewAt(index, 1);
    }

    /**
     * Queues one update of every parameter: sum of squares of the gradients, clip scale, step and learning
     * rate, AdamW over each span. Reads nothing back.
     */
    public void step() {
        Tensor sumSquares = slot(OptimizerScalars.SUM_SQUARES);
        be.zero(sumSquares);
        for (Parameters.Span g : gradSpans) {
            be.sumSquares(sumSquares, g.tensor());
        }
        be.clipScale(scalars, s.clipNorm());
        be.advanceStep(scalars, lrTable);
        for (int i = 0; i < paramSpans.size(); i++) {
            Parameters.Span p = paramSpans.get(i);
            be.adamw(p.tensor(), gradSpans.get(i).tensor(), mSpans.get(i).tensor(), vSpans.get(i).tensor(), scalars,
                    s.beta1(), s.beta2(), s.eps(), p.decayed() ? s.weightDecay() : 0f);
        }
    }

    /** Downloads the scalars (a sync point): what the host logs. */
    public State read() {
        float[] v = be.downloadFloats(scalars);
        return new State((int) v[OptimizerScalars.STEP], v[OptimizerScalars.LR], v[OptimizerScalars.GRAD_NORM],
                v[OptimizerScalars.CLIP_SCALE], (int) v[OptimizerScalars.NON_FINITE], v[OptimizerScalars.LOSS_SUM]);
    }

    /** Sets the loss sum back to zero (after the host has read it). */
    public void resetLossSum() {
        be.zero(slot(OptimizerScalars.LOSS_SUM));
    }

    /**
     * The name of the first gradient tensor holding a NaN or an infinity, or null: the slow search, run only
     * after the device flag tripped, one tensor at a time.
     */
    public String firstNonFiniteGradient() {
        try (TensorArena scratch = be.openArena()) {
            Tensor acc = scratch.allocate(1);
            for (Map.Entry<String, Tensor> e : grads.asMap().entrySet()) {
                be.zero(acc);
                be.sumSquares(acc, e.getValue());
                if (!Float.isFinite(be.downloadFloats(acc)[0])) {
                    return e.getKey();
                }
            }
            return null;
        }
    }
}
