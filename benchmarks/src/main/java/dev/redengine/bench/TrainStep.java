package dev.redengine.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
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
 * looser 6 * P_total * N + attention figure for comparison.
 */
public final class TrainStep {
    public final ModelConfig config;
    public final CausalLM model;
    public final Activations act;
    public final int[] targets;
    public final int batch;
    public final int seqLen;

    public static ModelConfig config10M(int seqLen) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", 256);
        c.put("num_hidden_layers", 8);
        c.put("num_attention_heads", 8);
        c.put("num_key_value_heads", 4);
        c.put("head_dim", 32);
        c.put("intermediate_size", 704);
        c.put("vocab_size", 8192);
        c.put("max_position_embeddings", Math.max(2048, seqLen));
        c.put("rms_norm_eps", 1e-5);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_theta", 10000.0);
        rope.put("rope_type", "default");
        return ModelConfig.parse(c);
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

    /** Attention flops of one step: forward 4*B*H*T*T*D/2 per layer, backward twice that. */
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
