package dev.redengine.distill;

import dev.redengine.model.CausalLM;
import dev.redengine.model.Parameters;

/** A student that trains every weight of its model (Minitron after pruning; {@code --trainable all}). */
public record FullStudent(CausalLM model) implements Student {

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
