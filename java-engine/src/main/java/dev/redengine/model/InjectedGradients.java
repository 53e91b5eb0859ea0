package dev.redengine.model;

import dev.redengine.tensor.Tensor;

/**
 * Gradients of extra losses on a model's intermediate activations (activation distillation), injected into
 * {@link CausalLM#backward(Activations, Tensor, InjectedGradients)} where the backward pass reaches each
 * activation. Every entry is nullable: null injects nothing there. Whoever fills them owns the tensors; the
 * backward pass only reads them. Shapes, N = B * T tokens, per layer l:
 * <pre>
 *   q[l]               [N, H*D]   dL/d(q as stored in Activations.Layer.q: after q_norm and RoPE)
 *   k[l], v[l]         [N, KV*D]  likewise (k after k_norm and RoPE)
 *   gate[l], up[l]     [N, F]     dL/d(the FFN pre-activations)
 *   attentionOutput[l] [N, d]     dL/d(o_proj output, bias included), before it is added to the residual
 *   mlpOutput[l]       [N, d]     dL/d(down_proj output), likewise
 *   residual[l]        [N, d]     dL/d(Activations.residual[l]), l = 0..L (residual[L] before the final norm)
 * </pre>
 */
public final class InjectedGradients {
    public final Tensor[] q;
    public final Tensor[] k;
    public final Tensor[] v;
    public final Tensor[] gate;
    public final Tensor[] up;
    public final Tensor[] attentionOutput;
    public final Tensor[] mlpOutput;
    public final Tensor[] residual;

    /** All null, for a model of {@code numLayers} layers. */
    public InjectedGradients(int numLayers) {
        q = new Tensor[numLayers];
        k = new Tensor[numLayers];
        v = new Tensor[numLayers];
        gate = new Tensor[numLayers];
        up = new Tensor[numLayers];
        attentionOutput = new Tensor[numLayers];
        mlpOutput = new Tensor[numLayers];
        residual = new Tensor[numLayers + 1];
    }

    /** Whether any block output (o_proj or down_proj) gets a gradient: those need one more [N, d] scratch buffer. */
    boolean injectsBlockOutputs() {
        for (int l = 0; l < attentionOutput.length; l++) {
            if (attentionOutput[l] != null || mlpOutput[l] != null) {
                return true;
            }
        }
        return false;
    }

    /** Checks every entry against the model's widths for N tokens, naming the first that does not fit. */
    void check(ModelConfig c, int n) {
        if (q.length != c.numLayers()) {
            throw new IllegalArgumentException("injected gradients for " + q.length + " layers, the model has " + c.numLayers());
        }
        for (int l = 0; l < c.numLayers(); l++) {
            require("q", l, q[l], n, c.qDim());
            require("k", l, k[l], n, c.kvDim());
            require("v", l, v[l], n, c.kvDim());
            require("gate", l, gate[l], n, c.intermediateSize());
            require("up", l, up[l], n, c.intermediateSize());
            require("attentionOutput", l, attentionOutput[l], n, c.hiddenSize());
            require("mlpOutput", l, mlpOutput[l], n, c.hiddenSize());
        }
        for (int l = 0; l <= c.numLayers(); l++) {
            require("residual", l, residual[l], n, c.hiddenSize());
        }
    }

    private static void require(String what, int l, Tensor t, int n, int width) {
        if (t != null && (t.rows() != n || t.dim(-1) != width)) {
            throw new IllegalArgumentException("injected gradient " + what + "[" + l + "] is " + t + ", expected ["
                    + n + ", " + width + "]");
        }
    }
}
