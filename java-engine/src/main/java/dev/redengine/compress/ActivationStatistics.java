package dev.redengine.compress;

import dev.redengine.backend.Backend;
import dev.redengine.backend.TensorArena;
import dev.redengine.model.Activations;
import dev.redengine.model.ModelConfig;
import dev.redengine.tensor.Tensor;


/**
 * Per-channel activation statistics streamed over a calibration set: call {@link #accept} after each forward
 * pass; memory stays O(layers x width) whatever the number of tokens. Every statistic has the same shape
 * (RED-METHOD sections 3 and "comparators"): per sequence s, the mean over its tokens of |x| (or of a head's
 * L2 norm), then the L2 norm over sequences.
 *
 * <ul>
 *   <li>RED: x = hidden state l in 0..L (HF output_hidden_states), residual channel c:
 *       A[l][c] = sqrt(sum_s a[s][l][c]^2); importance I[c] = mean over l of A[l][c].</li>
 *   <li>Minitron embedding channels: the same statistic on every RMSNorm output (input_layernorm and
 *       post_attention_layernorm of each layer, and the final norm), summed over those norms.</li>
 *   <li>Minitron FFN neurons: the statistic on the input of down_proj, per layer.</li>
 *   <li>Minitron heads: per token the L2 norm over head_dim of the input of o_proj, then the statistic.</li>
 * </ul>
 */
public final class ActivationStatistics {
    private final ModelConfig config;
    private final double[][] hiddenSq;     // [L+1][d]   sum_s a^2 of hidden state l
    private final double[][] normSq;       // [2L+1][d]  sum_s a^2 of each RMSNorm output
    private final double[][] neuronSq;     // [L][F]
    private final double[][] headSq;       // [L][H]
    private int sequences;
    private long tokens;

    public ActivationStatistics(ModelConfig config) {
        this.config = config;
        int layers = config.numLayers();
        hiddenSq = new double[layers + 1][config.hiddenSize()];
        normSq = new double[2 * layers + 1][config.hiddenSize()];
        neuronSq = new double[layers][config.intermediateSize()];
        headSq = new double[layers][config.numHeads()];
    }

    /** Adds the sequences of one forward pass (the activations of the model this was made for). */
    public void accept(Backend be, Activations a) {
        int batch = a.batch, t = a.seqLen, layers = config.numLayers();
        try (TensorArena scratch = be.openArena()) {
            accept(be, a, scratch.allocate(batch, config.hiddenSize()), scratch.allocate(batch, config.intermediateSize()),
                    scratch.allocate(batch, config.numHeads()));
        }
        sequences += batch;
        tokens += (long) batch * t;
    }

    private void accept(Backend be, Activations a, Tensor perSeqD, Tensor perSeqF, Tensor perSeqH) {
        int batch = a.batch, t = a.seqLen, layers = config.numLayers();
        for (int l = 0; l <= layers; l++) {
            addSquares(be, hiddenSq[l], perSeqD, a.hidden(l), t, false);
        }
        for (int l = 0; l < layers; l++) {
            Activations.Layer s = a.layers[l];
            addSquares(be, normSq[2 * l], perSeqD, s.ln1, t, false);
            addSquares(be, normSq[2 * l + 1], perSeqD, s.ln2, t, false);
            addSquares(be, neuronSq[l], perSeqF, s.act, t, false);
            addSquares(be, headSq[l], perSeqH, s.att.view(batch * t, config.numHeads(), config.headDim()), t, true);
        }
        addSquares(be, normSq[2 * layers], perSeqD, a.finalNorm, t, false);
    }

    private static void addSquares(Backend be, double[] acc, Tensor perSeq, Tensor x, int seqLen, boolean heads) {
        if (heads) {
            be.headNormMeanOverTokens(perSeq, x, seqLen);
        } else {
            be.absMeanOverTokens(perSeq, x, seqLen);
        }
        float[] host = be.downloadFloats(perSeq);
        int c = acc.length;
        for (int i = 0; i < host.length; i++) {
            acc[i % c] += (double) host[i] * host[i];
        }
    }

    public int sequences() {
        return sequences;
    }

    public long tokens() {
        return tokens;
    }

    /** A[l][c] = sqrt(sum_s a[s][l][c]^2) for hidden states l = 0..L. */
    public double[][] redPerLayer() {
        requireData();
        double[][] out = new double[hiddenSq.length][];
        for (int l = 0; l < out.length; l++) {
            out[l] = sqrt(hiddenSq[l]);
        }
        return out;
    }

    /** RED importance I[c]: the mean over the L+1 hidden states of A[l][c]. */
    public double[] redImportance() {
        double[][] perLayer = redPerLayer();
        double[] imp = new double[config.hiddenSize()];
        for (double[] layer : perLayer) {
            for (int c = 0; c < imp.length; c++) {
                imp[c] += layer[c] / perLayer.length;
            }
        }
        return imp;
    }

    /** Minitron embedding-channel importance: sum over the 2L+1 norm outputs of the statistic. */
    public double[] minitronChannels() {
        requireData();
        double[] imp = new double[config.hiddenSize()];
        for (double[] norm : normSq) {
            double[] s = sqrt(norm);
            for (int c = 0; c < imp.length; c++) {
                imp[c] += s[c];
            }
        }
        return imp;
    }

    /** Minitron FFN-neuron importance per layer [L][F]. */
    public double[][] minitronNeurons() {
        requireData();
        double[][] out = new double[neuronSq.length][];
        for (int l = 0; l < out.length; l++) {
            out[l] = sqrt(neuronSq[l]);
        }
        return out;
    }

    /** Minitron attention-head importance per layer [L][H]. */
    public double[][] minitronHeads() {
        requireData();
        double[][] out = new double[headSq.length][];
        for (int l = 0; l < out.length; l++) {
            out[l] = sqrt(headSq[l]);
        }
        return out;
    }

    private void requireData() {
        if (sequences == 0) {
            throw new IllegalStateException("no calibration sequences were accepted");
        }
    }

    private static double[] sqrt(double[] sq) {
        double[] r = new double[sq.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.sqrt(sq[i]);
        }
        return r;
    }
}
