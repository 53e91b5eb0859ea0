package dev.redengine.distill;

import dev.redengine.model.CausalLM;
import dev.redengine.model.Parameters;

/**
 * A student that trains every weight of its model (Minitron after pruning; {@code --trainable all}).
 * keptChannels: the teacher's residual channels it kept (student channel k is teacher channel keptChannels[k]),
 * which the hidden-state loss terms map the teacher's hidden states by; null when it was not built by a
 * channel selection.
 */
public record FullStudent(CausalLM model, int[] keptChannels) implements Student {

    public FullStudent(CausalLM model) {
        this(model, null);
    }

    @Override
    public Parameters trainable() {
        return model.parameters();
    }

    @Override
    public Parameters trainableGradients() {
        return model.gradients();
    }

    @Override
    public void beginStep() {
        // the optimizer updates the model's weights in place
    }

    @Override
    public void zeroGradients() {
        model.zeroGradients();
    }

    @Override
    public void endBackward() {
        // the model's gradients are the trainable gradients
    }
}
