package dev.redengine.eval;

import dev.redengine.data.CalibrationSet;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.LossMask;
import dev.redengine.tensor.Tensor;

/**
 * Perplexity of a model on packed sequences: exp of the mean next-token cross-entropy over every predicted
 * position (T - 1 per sequence; HF's shift), the sum kept on the backend and read once per batch.
 */
public final class Perplexity {

    /** The mean cross-entropy in nats per token, the token count, and their perplexity exp(mean). */
    public record Result(double meanLoss, long tokens, double perplexity) {
    }

    private Perplexity() {
    }

    public static Result of(CausalLM lm, CalibrationSet data, int batch) {
        return of(lm, data, batch, LossMask.ALL);
    }

    /** Over the positions the mask keeps only (e.g. a chain-task model's answers); each batch must keep one. */
    public static Result of(CausalLM lm, CalibrationSet data, int batch, LossMask mask) {
        int t = data.seqLen(), sequences = data.numSequences();
        if (t < 2) {
            throw new IllegalArgumentException("perplexity needs sequences of at least 2 tokens, got T = " + t);
        }
        double sum = 0;
        long tokens = 0;
        for (int from = 0; from < sequences; from += batch) {
            int b = Math.min(batch, sequences - from);
            Activations a = lm.allocateActivations(b, t);
            int[] ids = new int[b * t];
            for (int i = 0; i < b; i++) {
                System.arraycopy(data.sequence(from + i), 0, ids, i * t, t);
            }
            lm.setInput(a, ids);
            lm.forward(a);
            Tensor lossSum = a.lossSum;
            lm.backend().zero(lossSum);
            tokens += lm.accumulateLoss(a, mask.targets(ids, b, t), null, lossSum);
            sum += lm.backend().downloadFloats(lossSum)[0];
        }
        double mean = sum / tokens;
        if (!Double.isFinite(mean)) {
            throw new ArithmeticException("the loss is " + mean + " (non-finite logits?)");
        }
        return new Result(mean, tokens, Math.exp(mean));
    }
}
