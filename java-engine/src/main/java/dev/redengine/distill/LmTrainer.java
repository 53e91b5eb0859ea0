package dev.redengine.distill;

import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;

/**
 * Next-token training of a plain model: forward, causal-LM loss, backward, AdamW. One instance per
 * (batch, sequence length); activations are allocated once and reused.
 */
public final class LmTrainer {
    private final CausalLM model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final Activations acts;

    /** What one step did. */
    public record Step(int step, float loss, double gradNorm, float lr) {
    }

    public LmTrainer(CausalLM model, AdamW optimizer, LrSchedule schedule, int batch, int seqLen) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.acts = model.allocateActivations(batch, seqLen);
    }

    /** One optimiser step on ids [B * T]; throws ArithmeticException naming the step if the loss is not finite. */
    public Step step(int[] ids) {
        model.setInput(acts, ids);
        model.forward(acts);
        int next = optimizer.step() + 1;
        float loss;
        try {
            loss = model.crossEntropy(acts, CausalLM.shiftedTargets(ids, acts.batch, acts.seqLen), acts.logits);
        } catch (ArithmeticException e) {
            throw new ArithmeticException("step " + next + ": " + e.getMessage() + "; try a lower --lr");
        }
        model.zeroGradients();
        model.backward(acts, acts.logits);
        float lr = schedule.at(next);
        double norm = optimizer.update(model.parameters().asMap(), model.gradients().asMap(), lr);
        return new Step(next, loss, norm, lr);
    }

    /** Mean loss on ids without updating anything. */
    public float evaluate(int[] ids) {
        model.setInput(acts, ids);
        model.forward(acts);
        return model.crossEntropy(acts, CausalLM.shiftedTargets(ids, acts.batch, acts.seqLen), null);
    }
}
