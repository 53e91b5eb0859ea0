package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

/** y = x W^T (+ b), HF layout W [out, in]; forward and backward side by side. */
record Linear(Tensor weight, Tensor bias, Tensor dWeight, Tensor dBias) {

    static Linear of(Parameters params, Parameters grads, String prefix) {
        return new Linear(params.get(prefix + ".weight"), params.find(prefix + ".bias"),
                grads == null ? null : grads.get(prefix + ".weight"),
                grads == null ? null : grads.find(prefix + ".bias"));
    }

    /** y [N, out] = x [N, in] W^T + b. */
    void forward(Backend be, Tensor y, Tensor x) {
        be.matmul(y, x, false, weight, true, 1f, 0f);
        if (bias != null) {
            be.addBias(y, bias);
        }
    }

    /**
     * dW += dy^T x, db += sum dy; dx = dy W (accumulated into dx when accumulateDx, so that several
     * projections of one input sum their gradients).
     */
    void backward(Backend be, Tensor dx, boolean accumulateDx, Tensor dy, Tensor x) {
        be.matmul(dWeight, dy, true, x, false, 1f, 1f);
        if (bias != null) {
            be.biasBackward(dBias, dy);
        }
        if (dx != null) {
            be.matmul(dx, dy, false, weight, false, 1f, accumulateDx ? 1f : 0f);
        }
    }
}
