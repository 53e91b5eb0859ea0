package dev.redengine.bench;

import dev.redengine.backend.Backend;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.RandomInit;

import java.util.SplittableRandom;

/**
 * One training step (forward, cross-entropy, backward; no optimizer) of a ~10M-parameter Llama: hidden 256,
 * 8 layers, 8 heads, 4 KV heads, head_dim 32, FFN 704, vocab 8192, untied head (10.1M parameters).
 *
 * <p>Flop count of one step, stated once here and used by every report:
 * <pre>
 *   flops = 6 * P_matmul * N                        (2 forward + 4 backward per weight and token)
 *         + L * (4*B*H*T*T*D/2  +  2 * 4*B*H*T*T*D/2)  (causal attention: forward, backward twice that)
 * </pre>
 * with N = B * T tokens and P_matmul the weights that take part in a matmul (every linear layer and the LM
 * head; not the embedding table, which is a lookup, nor the norm gains). {@link #flopsAllParams} gives the
 * looser 6 * P_total * N + attention figure for comparison. The attention term is the useful work: the
 * backward also recomputes the probabilities from the saved log-sum-exp (one more Q K^T, 4*B*H*T*T*D/2 / 2
 * per layer), which is not counted, so that figures stay comparable with a backward that stored them.
 */
public final class TrainStep {
    public final ModelConfig config;
    public final CausalLM model;
    public final Activations act;
    public final int[] targets;
    public final int batch;
    public final int seqLen;

    public static ModelConfig config10M(int seqLen) {
        return ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 256, 8, 8, 4, 32, 704, 8192,
                Math.max(2048, seqLen), false));
    }

    public TrainStep(Backend be, int batch, int seqLen) {
        this.batch = batch;
        this.seqLen = seqLen;
        this.config = config10M(seqLen);
        this.model = new CausalLM(config, RandomInit.parameters(be, config, 1, 0.02), be);
        this.act = model.allocateActivations(batch, seqLen);
        int[] ids = new int[batch * seqLen];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(config.vocabSize());
        }
        model.setInput(act, ids);
        this.targets = CausalLM.shiftedTargets(ids, batch, seqLen);
        model.gradients();
    }

    /** Forward, mean cross-entropy (gradient written over the logits), backward. Returns the loss. */
    public float step() {
        model.forward(act);
        float loss = model.crossEntropy(act, targets, act.logits);
        model.backward(act, act.logits);
        return loss;
    }

    public long tokens() {
        return (long) batch * seqLen;
    }

    public long paramsTotal() {
        long p = 0;
        for (ParameterSpec s : ParameterSpec.of(config)) {
            p += s.numel();
        }
        return p;
    }

    /** Parameters that are the B operand of a matmul: all 2-D weights except the embedding table. */
    public long paramsMatmul() {
        long p = 0;
        for (ParameterSpec s : ParameterSpec.of(config)) {
            if (s.shape().length == 2 && !s.name().equals("model.embed_tokens.weight")) {
                p += s.numel();
            }
        }
        return p;
    }

    /** Attention flops of one step: forward 4*B*H*T*T*D/2 per layer, backward twice that (recomputing P not counted). */
    public double attentionFlops() {
        double fwd = 4.0 * batch * config.numHeads() * seqLen * (double) seqLen * config.headDim() / 2;
        return config.numLayers() * 3 * fwd;
    }

    public double flops() {
        return 6.0 * paramsMatmul() * tokens() + attentionFlops();
    }

    public double flopsAllParams() {
        return 6.0 * paramsTotal() * tokens() + attentionFlops();
    }
}
