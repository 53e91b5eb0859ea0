package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

/**
 * Everything one forward pass of B sequences of T tokens keeps for its backward pass (N = B * T). Allocated
 * once per (B, T) and reused across steps.
 */
public final class Activations {
    public final int batch;
    public final int seqLen;
    public final Tensor ids;          // int32 [N]
    public final Tensor targets;      // int32 [N]  next-token labels of the loss, negative = ignored
    public final Tensor losses;       // [N]        per-token cross-entropy
    public final Tensor lossSum;      // [1]        their sum, for a loss read back at once
    /** residual[l] [N, d]: the stream entering layer l; residual[L] leaves the last layer. */
    public final Tensor[] residual;
    public final Tensor finalNorm;    // [N, d]  hidden.L
    public final Tensor finalRstd;    // [N]
    public final Tensor logits;       // [N, V]
    public final Layer[] layers;

    /** Per-layer buffers, in the order the forward pass fills them. */
    public static final class Layer {
        public final Tensor ln1;       // [N, d]
        public final Tensor rstd1;     // [N]
        public final Tensor qPre;      // [N, H*D]   q_proj output (before q_norm; Qwen3 only, else null)
        public final Tensor kPre;      // [N, KV*D]
        public final Tensor qRstd;     // [N*H]
        public final Tensor kRstd;     // [N*KV]
        public final Tensor q;         // [N, H*D]   attention input, after norm and RoPE
        public final Tensor k;         // [N, KV*D]
        public final Tensor v;         // [N, KV*D]
        public final Tensor lse;       // [B, H, T]  log-sum-exp of each query's attention scores (no T x T probabilities)
        public final Tensor att;       // [N, H*D]
        public final Tensor mid;       // [N, d]     residual after attention
        public final Tensor ln2;       // [N, d]
        public final Tensor rstd2;     // [N]
        public final Tensor gate;      // [N, F]
        public final Tensor up;        // [N, F]
        public final Tensor act;       // [N, F]     silu(gate) * up

        Layer(Backend be, ModelConfig c, int batch, int seqLen) {
            int n = batch * seqLen, d = c.hiddenSize(), f = c.intermediateSize();
            ln1 = be.allocate(n, d);
            rstd1 = be.allocate(n);
            qPre = c.qkNorm() ? be.allocate(n, c.qDim()) : null;
            kPre = c.qkNorm() ? be.allocate(n, c.kvDim()) : null;
            qRstd = c.qkNorm() ? be.allocate(n * c.numHeads()) : null;
            kRstd = c.qkNorm() ? be.allocate(n * c.numKvHeads()) : null;
            q = be.allocate(n, c.qDim());
            k = be.allocate(n, c.kvDim());
            v = be.allocate(n, c.kvDim());
            lse = be.allocate(batch, c.numHeads(), seqLen);
            att = be.allocate(n, c.qDim());
            mid = be.allocate(n, d);
            ln2 = be.allocate(n, d);
            rstd2 = be.allocate(n);
            gate = be.allocate(n, f);
            up = be.allocate(n, f);
            act = be.allocate(n, f);
        }
    }

    Activations(Backend be, ModelConfig c, int batch, int seqLen) {
        this.batch = batch;
        this.seqLen = seqLen;
        int n = batch * seqLen;
        ids = be.allocate(DType.I32, n);
        targets = be.allocate(DType.I32, n);
        losses = be.allocate(n);
        lossSum = be.allocate(1);
        residual = new Tensor[c.numLayers() + 1];
        for (int l = 0; l <= c.numLayers(); l++) {
            residual[l] = be.allocate(n, c.hiddenSize());
        }
        finalNorm = be.allocate(n, c.hiddenSize());
        finalRstd = be.allocate(n);
        logits = be.allocate(n, c.vocabSize());
        layers = new Layer[c.numLayers()];
        for (int l = 0; l < c.numLayers(); l++) {
            layers[l] = new Layer(be, c, batch, seqLen);
        }
    }

    /** HF output_hidden_states[i]: the embedding output, each layer's output, and the last after the final norm. */
    public Tensor hidden(int i) {
        return i == residual.length - 1 ? finalNorm : residual[i];
    }

    public int hiddenCount() {
        return residual.length;
    }
}
