package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

/** Scratch buffers for activation gradients, shared by all layers of one backward pass. */
final class Gradients {
    final Tensor residual;  // [N, d]   dL/d(residual stream), accumulated through the skips
    final Tensor norm;      // [N, d]   dL/d(norm output)
    final Tensor q;         // [N, H*D]
    final Tensor k;         // [N, KV*D]
    final Tensor v;         // [N, KV*D]
    final Tensor qPre;      // [N, H*D]  Qwen3: before q_norm
    final Tensor kPre;      // [N, KV*D]
    final Tensor att;       // [N, H*D]
    final Tensor act;       // [N, F]
    final Tensor gate;      // [N, F]
    final Tensor up;        // [N, F]
    final Tensor blockOut;  // [N, d]   dL/d(o_proj or down_proj output) when a gradient is injected there, else null

    Gradients(Backend be, ModelConfig c, int tokens, boolean blockOutputs) {
        int d = c.hiddenSize(), f = c.intermediateSize();
        residual = be.allocate(tokens, d);
        norm = be.allocate(tokens, d);
        q = be.allocate(tokens, c.qDim());
        k = be.allocate(tokens, c.kvDim());
        v = be.allocate(tokens, c.kvDim());
        qPre = c.qkNorm() ? be.allocate(tokens, c.qDim()) : null;
        kPre = c.qkNorm() ? be.allocate(tokens, c.kvDim()) : null;
        att = be.allocate(tokens, c.qDim());
        act = be.allocate(tokens, f);
        gate = be.allocate(tokens, f);
        up = be.allocate(tokens, f);
        blockOut = blockOutputs ? be.allocate(tokens, d) : null;
    }
}
