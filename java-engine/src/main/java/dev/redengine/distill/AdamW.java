package dev.redengine.distill;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW over named (parameter, gradient) pairs with global-norm gradient clipping. The moments live on the
 * backend beside the parameters. Weight decay skips 1-D tensors (norm gains, biases), as is usual.
 */
public final class AdamW {
    public record Settings(float beta1, float beta2, float eps, float weightDecay, float clipNorm) {
        public static Settings defaults() {
            return new Settings(0.9f, 0.999f, 1e-8f, 0.0f, 1.0f);
        }
    }

    private final Backend be;
    private final Settings s;
    private final Map<String, Tensor[]> moments = new LinkedHashMap<>();
    private int step;

    public AdamW(Backend be, Settings settings) {
        this.be = be;
        this.s = settings;
    }

    public int step() {
        return step;
    }

    /**
     * One update of every parameter; returns the gradient norm before clipping. A non-finite norm is an
     * error that names the first offending tensor, and nothing is updated.
     */
    public double update(Map<String, Tensor> params, Map<String, Tensor> grads, float lr) {
        double sq = 0;
        for (Map.Entry<String, Tensor> e : grads.entrySet()) {
            double t = be.sumSquares(e.getValue());
            if (!Double.isFinite(t)) {
                throw new ArithmeticException("gradient of " + e.getKey() + " is not finite (NaN or Inf): training diverged");
            }
            sq += t;
        }
        double norm = Math.sqrt(sq);
        float scale = s.clipNorm() > 0 && norm > s.clipNorm() ? (float) (s.clipNorm() / norm) : 1f;
        step++;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            Tensor g = grads.get(e.getKey());
            if (g == null) {
                throw new IllegalArgumentException("no gradient for " + e.getKey());
            }
            Tensor[] mv = moments.computeIfAbsent(e.getKey(), k -> new Tensor[]{be.allocate(p.shape()), be.allocate(p.shape())});
            float wd = p.rank() > 1 ? s.weightDecay() : 0f;
            be.adamw(p, g, mv[0], mv[1], scale, lr, s.beta1(), s.beta2(), s.eps(), wd, step);
        }
        return norm;
    }
}
