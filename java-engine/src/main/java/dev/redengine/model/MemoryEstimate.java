package dev.redengine.model;

/**
 * Bytes the CPU engine needs for a model, float32 throughout: weights, the activations one forward pass
 * keeps for backward (see {@link Activations}), and training state (gradients plus two Adam moments).
 * Everything is linear in T: attention keeps lse [B, H, T], not the T x T probabilities, and its per-thread
 * buffers (O(T D + 64 T) floats, a few MiB at T = 4096) are left out.
 */
public record MemoryEstimate(long parameters, long weightBytes, long activationBytes, long backwardScratchBytes) {

    public static MemoryEstimate of(ModelConfig c, int batch, int seqLen) {
        long params = ParameterSpec.of(c).stream().mapToLong(ParameterSpec::numel).sum();
        long n = (long) batch * seqLen;
        long d = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim();
        long qkPre = c.qkNorm() ? q + kv + c.numHeads() + c.numKvHeads() : 0;
        // ln1, rstd1, q, k, v, Qwen3's pre-norm q and k, att, mid, ln2, rstd2, gate, up, act; lse [B, H, T]
        long perLayer = n * (d + 1 + q + 2 * kv + qkPre + q + d + d + 1 + 3 * f) + n * c.numHeads();
        // ids, targets, losses, final rstd; L + 1 residuals and the final norm; logits [N, V]; the loss sum [1]
        long activations = 4 * (c.numLayers() * perLayer + n * (d * (c.numLayers() + 2) + 4 + c.vocabSize()) + 1);
        // the activation gradients shared by all layers (Gradients): residual, norm, q, k, v, att, act, gate, up,
        // and Qwen3's pre-norm q and k
        long scratch = 4 * n * (2 * d + 2 * q + 2 * kv + 3 * f + (c.qkNorm() ? q + kv : 0));
        return new MemoryEstimate(params, 4 * params, activations, scratch);
    }

    /** Weights plus the activations of one forward pass. */
    public long inferenceBytes() {
        return weightBytes + activationBytes;
    }

    /** Weights, gradients, two Adam moments, activations and the backward scratch. */
    public long trainingBytes() {
        return 4 * weightBytes + activationBytes + backwardScratchBytes;
    }

    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format("%.1f %s", v, units[u]);
    }
}
