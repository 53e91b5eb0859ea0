package dev.redengine.train;

import dev.redengine.backend.OptimizerScalars;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.LossMask;

/**
 * Next-token training of a plain model: forward, causal-LM loss, backward, AdamW. One instance per
 * (batch, sequence length); activations, gradients, backward scratch and optimizer state are all allocated in
 * the constructor, so {@link #step} allocates nothing on the backend and reads nothing back: the loss sum and
 * the gradient norm stay on the device until {@link #read} is called, once per log interval.
 */
public final class LmTrainer {
    private final CausalLM model;
    private final AdamW optimizer;
    private final Activations acts;
    private long tokensSinceRead;

    /** What the steps since the last read did: their mean loss, and the last step's norm and learning rate. */
    public record Metrics(int step, float loss, double gradNorm, float lr) {
    }

    public LmTrainer(CausalLM model, AdamW.Settings settings, LrSchedule schedule, int batch, int seqLen) {
        this.model = model;
        this.acts = model.allocateActivations(batch, seqLen);
        model.prepareBackward(acts);
        this.optimizer = new AdamW(model.backend(), settings, model.parameters(), model.gradients(), schedule);
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public CausalLM model() {
        return model;
    }

    /** Queues one optimiser step on ids [B * T], every next-token target counted. */
    public void step(int[] ids) {
        step(ids, LossMask.ALL);
    }

    /** Queues one optimiser step on ids [B * T], counting the targets the mask keeps (at least one). */
    public void step(int[] ids, LossMask mask) {
        model.setInput(acts, ids);
        model.forward(acts);
        tokensSinceRead += model.accumulateLoss(acts, mask.targets(ids, acts.batch, acts.seqLen), acts.logits,
                optimizer.slot(OptimizerScalars.LOSS_SUM));
        model.zeroGradients();
        model.backward(acts, acts.logits);
        optimizer.step();
    }

    /**
     * Reads the device scalars (a sync point) and resets the loss sum. A non-finite loss or gradient since the
     * last read is an ArithmeticException naming the step and the first gradient tensor at fault; the
     * parameters then hold their values from before that step.
     */
    public Metrics read() {
        AdamW.State s = optimizer.read();
        if (s.nonFiniteStep() != 0 || !Float.isFinite(s.lossSum())) {
            int step = s.nonFiniteStep() != 0 ? s.nonFiniteStep() : s.step();
            String tensor = optimizer.firstNonFiniteGradient();
            throw new ArithmeticException("step " + step + ": the loss or the gradient is not finite (NaN or Inf)"
                    + (tensor != null ? ", first in the gradient of " + tensor : "")
                    + ": training diverged; try a lower --lr");
        }
        float loss = tokensSinceRead == 0 ? Float.NaN : (float) (s.lossSum() / tokensSinceRead);
        optimizer.resetLossSum();
        tokensSinceRead = 0;
        return new Metrics(s.step(), loss, s.gradNorm(), s.lr());
    }

    /** Mean loss on ids without updating anything (a sync point). */
    public float evaluate(int[] ids) {
        model.setInput(acts, ids);
        model.forward(acts);
        return model.crossEntropy(acts, CausalLM.shiftedTargets(ids, acts.batch, acts.seqLen), null);
    }
}
