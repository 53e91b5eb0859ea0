package dev.redengine.distill;

import dev.redengine.model.CausalLM;
import dev.redengine.model.Parameters;

/**
 * A model being distilled: a plain {@link CausalLM} that the forward and backward passes run through, and the
 * parameters the optimizer updates, which are either that model's own weights ({@link FullStudent}) or
 * something its weights are computed from ({@link ProjectionStudent}: LRC / RED projections).
 *
 * <p>Per optimizer step: {@link #beginStep} (bring the model's weights up to date), {@link #zeroGradients}, one
 * or more forward/backward passes of {@link #model()}, {@link #endBackward} (turn the model's weight gradients
 * into {@link #trainableGradients()}), then the optimizer.
 */
public sealed interface Student permits FullStudent, ProjectionStudent {
    CausalLM model();

    /** What the optimizer updates; names are what a checkpoint stores them under. */
    Parameters trainable();

    /** Gradients of {@link #trainable()}: same names, shapes and layout. */
    Parameters trainableGradients();

    /** Makes the model's weights those of the current trainable parameters. */
    void beginStep();

    void zeroGradients();

    /** Accumulates the model's weight gradients into the trainable gradients (after every backward of a step). */
    void endBackward();
}
