package dev.redengine.distill;

import dev.redengine.model.CausalLM;
import dev.redengine.model.Parameters;
import dev.redengine.tensor.Tensor;

import java.util.Map;

/**
 * The LRC / RED student ({@link LowRankStudent}): the teacher's weights stay frozen and only the projections
 * W^p [d, d'] and the RMSNorm gains [d'] train ({@code --trainable projections}). The model's weights are
 * folded from them at the start of every step.
 */
public final class ProjectionStudent implements Student {
    /** Suffix of a projection's name in {@link #trainable()} and in checkpoints: "model.layers.0.self_attn.q_proj.projection". */
    public static final String SUFFIX = ".projection";

    private final LowRankStudent projected;
    private final CausalLM model;
    private final Parameters trainable = new Parameters();
    private final Parameters grads = new Parameters();

    public ProjectionStudent(LowRankStudent projected) {
        this.projected = projected;
        this.model = new CausalLM(projected.studentConfig(), projected.folded(), projected.backend());
        for (Map.Entry<String, Tensor> e : projected.projections().entrySet()) {
            trainable.put(e.getKey() + SUFFIX, e.getValue());
            grads.put(e.getKey() + SUFFIX, projected.projectionGradients().get(e.getKey()));
        }
        // the gains are the folded model's norm weights themselves, so the model's gradients of them are theirs
        Parameters modelGrads = model.gradients();
        for (Map.Entry<String, Tensor> e : projected.gains().asMap().entrySet()) {
            trainable.put(e.getKey(), e.getValue());
            grads.put(e.getKey(), modelGrads.get(e.getKey()));
        }
    }

    public LowRankStudent projected() {
        return projected;
    }

    @Override
    public CausalLM model() {
        return model;
    }

    @Override
    public Parameters trainable() {
        return trainable;
    }

    @Override
    public Parameters trainableGradients() {
        return grads;
    }

    @Override
    public void beginStep() {
        projected.fold();
    }

    @Override
    public void zeroGradients() {
        model.zeroGradients();
        projected.zeroGradients();
    }

    @Override
    public void endBackward() {
        projected.backward(model.gradients());
    }
}
