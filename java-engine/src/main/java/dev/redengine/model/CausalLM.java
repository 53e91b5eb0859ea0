package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.util.Arrays;

/**
 * A Llama / Qwen2 / Qwen3 decoder with its LM head, written once against {@link Backend}. Read it top to
 * bottom: {@link #forward} then {@link #backward}, each layer's ops in the same order in both.
 *
 * <p>Shapes: B sequences, T tokens each, N = B * T; d hidden, H query heads, KV key/value heads, D head
 * dimension, F FFN width, V vocabulary.
 */
public final class CausalLM {
    private final ModelConfig config;
    private final Backend be;
    private final Parameters params;
    private Parameters grads;
    private LayerWeights[] layers;
    private Tensor ropeCos;   // [T, D/2] for the longest T seen so far
    private Tensor ropeSin;   // [T, D/2]
    private Gradients scratch;

    public CausalLM(ModelConfig config, Parameters params, Backend backend) {
        this.config = config;
        this.be = backend;
        this.params = params;
        for (ParameterSpec s : ParameterSpec.of(config)) {
            Tensor t = params.get(s.name());
            if (!Arrays.equals(t.shape(), s.shape())) {
                throw new IllegalArgumentException("parameter " + s.name() + " has shape " + Arrays.toString(t.shape())
                        + " but the config implies " + Arrays.toString(s.shape()));
            }
        }
        bindLayers();
    }

    public ModelConfig config() {
        return config;
    }

    public Backend backend() {
        return be;
    }

    public Parameters parameters() {
        return params;
    }

    /**
     * Parameter gradients (HF names, the parameters' layout: one flat buffer when they are flat), allocated
     * and zeroed on first call; backward accumulates into them.
     */
    public Parameters gradients() {
        if (grads == null) {
            grads = Parameters.allocateLike(be, params);
            bindLayers();
        }
        return grads;
    }

    /**
     * Allocates everything {@link #backward} writes for activations of this shape (parameter gradients and
     * the activation-gradient scratch), so that a training loop allocates nothing once it runs.
     */
    public void prepareBackward(Activations a) {
        prepareBackward(a, null);
    }

    /** {@link #prepareBackward(Activations)} for a backward pass with these injected gradients (one more buffer). */
    public void prepareBackward(Activations a, InjectedGradients injected) {
        gradients();
        int n = a.batch * a.seqLen;
        boolean blockOutputs = injected != null && injected.injectsBlockOutputs();
        if (scratch == null || scratch.residual.dim(0) != n || (blockOutputs && scratch.blockOut == null)) {
            scratch = new Gradients(be, config, n, blockOutputs || (scratch != null && scratch.blockOut != null));
        }
    }

    public void zeroGradients() {
        gradients().zero(be);
    }

    private void bindLayers() {
        layers = new LayerWeights[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = LayerWeights.of(params, grads, l);
        }
    }

    private Tensor embedding() {
        return params.get("model.embed_tokens.weight");
    }

    /** The LM head weight [V, d]: the embedding when tied. */
    private Tensor lmHead() {
        return config.tieWordEmbeddings() ? embedding() : params.get("lm_head.weight");
    }

    private Tensor lmHeadGrad() {
        return grads.get(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
    }

    /** Buffers for B sequences of T tokens; reuse them across steps of the same shape. */
    public Activations allocateActivations(int batch, int seqLen) {
        if (batch <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("empty input: B = " + batch + ", T = " + seqLen);
        }
        if (seqLen > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length T = " + seqLen + " exceeds max_position_embeddings = " + config.maxPositions());
        }
        ensureRope(seqLen);
        return new Activations(be, config, batch, seqLen);
    }

    private void ensureRope(int seqLen) {
        if (ropeCos != null && ropeCos.dim(0) >= seqLen) {
            return;
        }
        int half = config.headDim() / 2;
        float[][] tables = config.rope().tables(seqLen, config.headDim());
        ropeCos = be.allocate(seqLen, half);
        ropeSin = be.allocate(seqLen, half);
        be.upload(ropeCos, tables[0]);
        be.upload(ropeSin, tables[1]);
    }

    /** Checks ids (int32 [B, T] row-major) and copies them into the activations. */
    public void setInput(Activations a, int[] ids) {
        if (ids.length != a.batch * a.seqLen) {
            throw new IllegalArgumentException("expected " + a.batch + " x " + a.seqLen + " token ids, got " + ids.length);
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + ids[i] + " at [" + i / a.seqLen + ", " + i % a.seqLen
                        + "] is out of range [0, " + config.vocabSize() + ")");
            }
        }
        be.upload(a.ids, ids);
    }

    /** The full forward pass over the ids already in {@code a}: fills every hidden state and the logits. */
    public void forward(Activations a) {
        ModelConfig c = config;
        int n = a.batch * a.seqLen, heads = c.numHeads(), kv = c.numKvHeads(), dh = c.headDim();
        float eps = (float) c.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(dh));
        be.embedding(a.residual[0], a.ids, embedding());                 // [N, d]
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights w = layers[l];
            Activations.Layer s = a.layers[l];
            Tensor x = a.residual[l];                                     // [N, d]
            // attention block
            be.rmsnorm(s.ln1, s.rstd1, x, w.ln1(), eps);
            if (c.qkNorm()) {
                w.q().forward(be, s.qPre, s.ln1);                         // [N, H*D]
                w.k().forward(be, s.kPre, s.ln1);                         // [N, KV*D]
                be.rmsnorm(s.q.view(n * heads, dh), s.qRstd, s.qPre.view(n * heads, dh), w.qNorm(), eps);
                be.rmsnorm(s.k.view(n * kv, dh), s.kRstd, s.kPre.view(n * kv, dh), w.kNorm(), eps);
            } else {
                w.q().forward(be, s.q, s.ln1);
                w.k().forward(be, s.k, s.ln1);
            }
            w.v().forward(be, s.v, s.ln1);                                // [N, KV*D]
            be.rope(s.q.view(n, heads, dh), ropeCos, ropeSin, a.seqLen);
            be.rope(s.k.view(n, kv, dh), ropeCos, ropeSin, a.seqLen);
            be.attention(s.att.view(n, heads, dh), s.lse, s.q.view(n, heads, dh), s.k.view(n, kv, dh),
                    s.v.view(n, kv, dh), a.batch, a.seqLen, scale);         // att [N, H*D], lse [B, H, T]
            w.o().forward(be, s.mid, s.att);                              // [N, d]
            be.add(s.mid, s.mid, x);
            // MLP block
            be.rmsnorm(s.ln2, s.rstd2, s.mid, w.ln2(), eps);
            w.gate().forward(be, s.gate, s.ln2);                          // [N, F]
            w.up().forward(be, s.up, s.ln2);                              // [N, F]
            be.swiglu(s.act, s.gate, s.up);
            Tensor out = a.residual[l + 1];
            w.down().forward(be, out, s.act);                             // [N, d]
            be.add(out, out, s.mid);
        }
        be.rmsnorm(a.finalNorm, a.finalRstd, a.residual[c.numLayers()], params.get("model.norm.weight"), eps);
        be.matmul(a.logits, a.finalNorm, false, lmHead(), true, 1f, 0f); // [N, V]
    }

    /**
     * Backward from dlogits [N, V] (which may be {@code a.logits} itself, overwritten by a fused loss):
     * accumulates into {@link #gradients()}.
     */
    public void backward(Activations a, Tensor dlogits) {
        backward(a, dlogits, null);
    }

    /**
     * {@link #backward(Activations, Tensor)} with gradients of further losses on intermediate activations added
     * where the pass reaches each activation (see {@link InjectedGradients}; null, or all entries null, is the
     * plain backward pass bit for bit). dq and dk join before the RoPE (and q/k-norm) backward, since the
     * stored q and k are rotated; a block output's gradient joins the residual's only on the way into that
     * block (o_proj, down_proj), not on the skip path; residual[l]'s joins the stream once layer l's backward
     * (or, for l = L, the final norm's) has completed dL/d(residual[l]).
     */
    public void backward(Activations a, Tensor dlogits, InjectedGradients inj) {
        prepareBackward(a, inj);
        ModelConfig c = config;
        int n = a.batch * a.seqLen, heads = c.numHeads(), kv = c.numKvHeads(), dh = c.headDim();
        if (inj != null) {
            inj.check(c, n);
        }
        float scale = (float) (1.0 / Math.sqrt(dh));
        Gradients g = scratch;
        // LM head and final norm
        be.matmul(lmHeadGrad(), dlogits, true, a.finalNorm, false, 1f, 1f);  // dW_lm += dlogits^T h
        be.matmul(g.norm, dlogits, false, lmHead(), false, 1f, 0f);          // [N, d]
        be.zero(g.residual);
        be.rmsnormBackward(g.residual, grads.get("model.norm.weight"), g.norm, a.residual[c.numLayers()],
                params.get("model.norm.weight"), a.finalRstd);
        for (int l = c.numLayers() - 1; l >= 0; l--) {
            LayerWeights w = layers[l];
            Activations.Layer s = a.layers[l];
            inject(g.residual, inj == null ? null : inj.residual[l + 1]);                 // dL/d(residual[l+1]) complete
            // MLP block: out = mid + down(silu(gate) * up); g.residual holds dL/d(out)
            w.down().backward(be, g.act, false, blockGradient(g, inj == null ? null : inj.mlpOutput[l]), s.act);
            be.swigluBackward(g.gate, g.up, g.act, s.gate, s.up);
            inject(g.gate, inj == null ? null : inj.gate[l]);
            inject(g.up, inj == null ? null : inj.up[l]);
            w.gate().backward(be, g.norm, false, g.gate, s.ln2);
            w.up().backward(be, g.norm, true, g.up, s.ln2);
            be.rmsnormBackward(g.residual, w.dLn2(), g.norm, s.mid, w.ln2(), s.rstd2);   // now dL/d(mid)
            // attention block: mid = x + o(attention(rope(q), rope(k), v))
            w.o().backward(be, g.att, false, blockGradient(g, inj == null ? null : inj.attentionOutput[l]), s.att);
            be.attentionBackward(g.q.view(n, heads, dh), g.k.view(n, kv, dh), g.v.view(n, kv, dh), g.att.view(n, heads, dh),
                    s.q.view(n, heads, dh), s.k.view(n, kv, dh), s.v.view(n, kv, dh), s.att.view(n, heads, dh), s.lse,
                    a.batch, a.seqLen, scale);
            inject(g.q, inj == null ? null : inj.q[l]);                                   // at the rotated q, k
            inject(g.k, inj == null ? null : inj.k[l]);
            inject(g.v, inj == null ? null : inj.v[l]);
            be.ropeBackward(g.q.view(n, heads, dh), ropeCos, ropeSin, a.seqLen);
            be.ropeBackward(g.k.view(n, kv, dh), ropeCos, ropeSin, a.seqLen);
            Tensor dq = g.q, dk = g.k;
            if (c.qkNorm()) {
                be.zero(g.qPre);
                be.zero(g.kPre);
                be.rmsnormBackward(g.qPre.view(n * heads, dh), w.dQNorm(), g.q.view(n * heads, dh),
                        s.qPre.view(n * heads, dh), w.qNorm(), s.qRstd);
                be.rmsnormBackward(g.kPre.view(n * kv, dh), w.dKNorm(), g.k.view(n * kv, dh),
                        s.kPre.view(n * kv, dh), w.kNorm(), s.kRstd);
                dq = g.qPre;
                dk = g.kPre;
            }
            w.q().backward(be, g.norm, false, dq, s.ln1);
            w.k().backward(be, g.norm, true, dk, s.ln1);
            w.v().backward(be, g.norm, true, g.v, s.ln1);
            be.rmsnormBackward(g.residual, w.dLn1(), g.norm, a.residual[l], w.ln1(), s.rstd1);  // dL/d(x)
        }
        inject(g.residual, inj == null ? null : inj.residual[0]);
        be.embeddingBackward(grads.get("model.embed_tokens.weight"), a.ids, g.residual);
    }

    /** grad += extra, when there is an extra gradient. */
    private void inject(Tensor grad, Tensor extra) {
        if (extra != null) {
            be.accumulate(grad, extra);
        }
    }

    /**
     * The gradient flowing into a block (o_proj or down_proj) whose output was added to the residual: the
     * residual's own, plus the injected gradient of the block's output when there is one (in a scratch buffer,
     * since the skip path must carry the residual's alone).
     */
    private Tensor blockGradient(Gradients g, Tensor extra) {
        if (extra == null) {
            return g.residual;
        }
        be.add(g.blockOut, g.residual, extra);   // [N, d]
        return g.blockOut;
    }

    /**
     * HF causal-LM targets: position t predicts token t+1 of the same sequence; the last position of each
     * sequence is ignored (-100).
     */
    public static int[] shiftedTargets(int[] ids, int batch, int seqLen) {
        int[] targets = new int[ids.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seqLen; t++) {
                targets[b * seqLen + t] = t + 1 < seqLen ? ids[b * seqLen + t + 1] : -100;
            }
        }
        return targets;
    }

    /**
     * Mean cross-entropy over the targets that are not ignored, read back now (a sync point); when
     * {@code dlogits} is not null it gets the gradient of that mean (it may be {@code a.logits}).
     */
    public float crossEntropy(Activations a, int[] targets, Tensor dlogits) {
        be.zero(a.lossSum);
        int count = accumulateLoss(a, targets, dlogits, a.lossSum);
        float loss = be.downloadFloats(a.lossSum)[0] / count;
        if (!Float.isFinite(loss)) {
            throw new ArithmeticException("loss is " + loss + " (non-finite logits?)");
        }
        return loss;
    }

    /**
     * The causal-LM loss without reading it: lossSum [1] += the sum of the per-token losses, and dlogits (if
     * not null; it may be {@code a.logits}) gets the gradient of their mean. Returns the number of targets
     * that are not ignored, the mean's denominator.
     */
    public int accumulateLoss(Activations a, int[] targets, Tensor dlogits, Tensor lossSum) {
        int n = a.batch * a.seqLen;
        if (targets.length != n) {
            throw new IllegalArgumentException("expected " + n + " targets, got " + targets.length);
        }
        int count = 0;
        for (int t : targets) {
            count += t >= 0 ? 1 : 0;
        }
        if (count == 0) {
            throw new IllegalArgumentException("no targets: every label is ignored (T = 1?)");
        }
        be.upload(a.targets, targets);
        be.crossEntropy(a.losses, lossSum, dlogits, a.logits, a.targets, 1f / count);
        return count;
    }

    /**
     * The knowledge-distillation loss without reading it ({@link Backend#klDivergence}): every row of this
     * model's logits in {@code a} against the same row of {@code teacherLogits} [B*T, V] (another model's
     * logits on the same ids, read only), T^2 KL(p_teacher || q_student) at {@code temperature}, or KL(q || p)
     * when {@code reverse}. lossSum [1] += the sum of the per-token losses (a.losses [N] holds them), and dlogits
     * (if not null; it may be {@code a.logits}) gets the gradient of their mean. Returns N, the mean's
     * denominator. For padded batches, call the backend op with a mask instead.
     */
    public int accumulateDistillLoss(Activations a, Tensor teacherLogits, float temperature, boolean reverse,
                                     Tensor dlogits, Tensor lossSum) {
        if (!Arrays.equals(teacherLogits.shape(), a.logits.shape())) {
            throw new IllegalArgumentException("teacher logits " + teacherLogits + " do not match the student's "
                    + a.logits + " (same tokens and vocabulary needed)");
        }
        int n = a.batch * a.seqLen;
        be.klDivergence(a.losses, lossSum, dlogits, a.logits, teacherLogits, null, temperature, reverse, 1f / n);
        return n;
    }
}
