package dev.redengine.distill;

import dev.redengine.backend.Backend;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.InjectedGradients;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.tensor.Tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * The distillation loss terms that compare a student's intermediate activations with the teacher's, with exact
 * gradients. N = B * T tokens, L layers, d the teacher's hidden size, d' the student's; "mse(a, b)" of two [N, C]
 * tensors is (1/N) sum_n (1/C) ||a_n - b_n||^2, the per-token mean of the per-row mean squared error.
 * <ul>
 *   <li>{@code clone} (LRC, Hao et al. 2025), for a {@link LowRankStudent}: the mean over the 7 L compared pairs
 *   of their mse, the pairs being, for every layer, q, k, v (attention inputs after q/k-norm and RoPE; RoPE is a
 *   rotation, so this equals comparing before it), gate and up (FFN pre-activations) of student and teacher,
 *   the student's o_proj output against the teacher's mapped by that layer's projection, y_T W^p_o, and the
 *   student's down_proj output against y_T W^p_down:
 *   clone = (1 / 7L) sum_l [mse(q) + mse(k) + mse(v) + mse(gate) + mse(up) + mse(o, y_o W^p_o) + mse(down, y_down W^p_down)];</li>
 *   <li>{@code hidden_mse}: the mean over the L + 1 hidden states (residual stream entering each layer and
 *   leaving the last, before the final norm) of mse(h_S^l, h_T^l M), with M [d, d'] the residual map: the
 *   embedding projection W^p_embed for an LRC student (its embedding output is exactly E_T W^p_embed), the
 *   selection of the kept channels for a hard-pruned one;</li>
 *   <li>{@code hidden_cos}: the mean over the same L + 1 pairs of (1/N) sum_n (1 - cos(h_S^l[n], (h_T^l M)[n]));
 *   a row with no direction (all zeros) counts as cos 0.</li>
 * </ul>
 * Each term is a mean of means, so its size does not grow with depth or width; a term's weight multiplies it.
 *
 * <p>Gradients: the teacher is frozen, but where a target is a teacher activation times a trainable projection
 * (y_T W^p_o, y_T W^p_down, h_T W^p_embed) the gradient also flows into the projection through the target:
 * dW^p += y_T^T dtarget, added into {@link LowRankStudent#projectionGradients()}. The gradients with respect to
 * the student's activations go into {@link #injected()}, for {@link CausalLM#backward(Activations, Tensor,
 * InjectedGradients)}, which carries them to the folded weights (and {@link LowRankStudent#backward} on to the
 * projections and gains).
 *
 * <p>Per optimizer step:
 * <pre>
 *   student.fold(); studentModel.zeroGradients(); student.zeroGradients();
 *   for each micro-batch (same ids in both Activations):
 *     teacherModel.forward(teacherActs);                         // no backward: the teacher is frozen
 *     studentModel.forward(studentActs);
 *     ... logit losses fill dlogits (scaled by 1 / microBatches) ...
 *     activationLosses.accumulate(teacherActs, studentActs, 1f / microBatches);
 *     studentModel.backward(studentActs, dlogits, activationLosses.injected());
 *   student.backward(studentModel.gradients());                  // folded-weight gradients -> projections
 *   AdamW step
 * </pre>
 * Per-term values stay on the device in {@link #lossSums()} (one slot per {@link LossTerm}, by ordinal; only the activation terms are used): each
 * {@link #accumulate} adds the term's unweighted value on that micro-batch; {@link #zeroLosses()} clears them.
 * All scratch is allocated here, for one (B, T); nothing is allocated per step.
 */
public final class ActivationLosses {

    private final Backend be;
    private final ModelConfig teacherConfig;
    private final ModelConfig studentConfig;
    private final Parameters teacher;
    private final Parameters student;
    private final LowRankStudent lowRank;        // null for a hard-pruned student
    private final Map<LossTerm, Float> weights;      // the requested terms, weight > 0
    private final int batch;
    private final int seqLen;
    private final Tensor residualMap;            // [d, d']  M
    private final Tensor residualMapGrad;        // [d, d']  dM (W^p_embed's gradient), or null when M is fixed
    private final InjectedGradients injected;
    private final Tensor lossSums;               // [LossTerm count]      per term, += its value per call
    private final Tensor partial;                // [LossTerm count]      this call's raw sums of row losses
    private final Tensor rowLosses;              // [N]
    private final Tensor teacherOut;             // [N, d]   clone: a teacher block output y_T
    private final Tensor studentOut;             // [N, d']  clone: the student's block output
    private final Tensor target;                 // [N, d']  y_T W^p or h_T M
    private final Tensor dtarget;                // [N, d']

    private ActivationLosses(CausalLM teacherModel, ModelConfig studentConfig, Parameters student,
                             LowRankStudent lowRank, Tensor residualMap, Tensor residualMapGrad,
                             Map<LossTerm, Float> weights, int batch, int seqLen) {
        this.be = teacherModel.backend();
        this.teacherConfig = teacherModel.config();
        this.studentConfig = studentConfig;
        this.teacher = teacherModel.parameters();
        this.student = student;
        this.lowRank = lowRank;
        this.weights = new EnumMap<>(LossTerm.class);
        weights.forEach((term, w) -> {
            if (!(w >= 0) || !Float.isFinite(w)) {
                throw new IllegalArgumentException("weight of " + term.key() + " must be finite and >= 0, got " + w);
            }
            if (term.onLogits()) {
                throw new IllegalArgumentException(term.key() + " is computed from the logits, not from activations");
            }
            if (w > 0) {
                this.weights.put(term, w);
            }
        });
        if (batch <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("empty input: B = " + batch + ", T = " + seqLen);
        }
        this.batch = batch;
        this.seqLen = seqLen;
        this.residualMap = residualMap;
        this.residualMapGrad = residualMapGrad;
        ModelConfig t = teacherConfig, s = studentConfig;
        if (t.numLayers() != s.numLayers()) {
            throw new IllegalArgumentException("teacher has " + t.numLayers() + " layers, student " + s.numLayers()
                    + ": activation losses compare layer by layer");
        }
        if (this.weights.containsKey(LossTerm.CLONE)) {
            if (lowRank == null) {
                throw new IllegalArgumentException("the clone loss needs an LRC student (LowRankStudent): it maps the "
                        + "teacher's o_proj and down_proj outputs through the student's projections, which a hard-pruned "
                        + "student does not have; use hidden_mse or hidden_cos");
            }
            if (s.qDim() != t.qDim() || s.kvDim() != t.kvDim() || s.intermediateSize() != t.intermediateSize()) {
                throw new IllegalArgumentException("the clone loss compares q, k, v, gate and up directly, so their widths "
                        + "must match: teacher q/kv/ffn " + t.qDim() + "/" + t.kvDim() + "/" + t.intermediateSize()
                        + ", student " + s.qDim() + "/" + s.kvDim() + "/" + s.intermediateSize());
            }
        }
        int n = batch * seqLen, d = t.hiddenSize(), ds = s.hiddenSize();
        injected = new InjectedGradients(t.numLayers());
        if (this.weights.containsKey(LossTerm.CLONE)) {
            for (int l = 0; l < t.numLayers(); l++) {
                injected.q[l] = be.allocate(n, s.qDim());
                injected.k[l] = be.allocate(n, s.kvDim());
                injected.v[l] = be.allocate(n, s.kvDim());
                injected.gate[l] = be.allocate(n, s.intermediateSize());
                injected.up[l] = be.allocate(n, s.intermediateSize());
                injected.attentionOutput[l] = be.allocate(n, ds);
                injected.mlpOutput[l] = be.allocate(n, ds);
            }
        }
        if (this.weights.containsKey(LossTerm.HIDDEN_MSE) || this.weights.containsKey(LossTerm.HIDDEN_COS)) {
            for (int l = 0; l <= t.numLayers(); l++) {
                injected.residual[l] = be.allocate(n, ds);
            }
        }
        lossSums = be.allocate(LossTerm.values().length);
        partial = be.allocate(LossTerm.values().length);
        rowLosses = be.allocate(n);
        teacherOut = this.weights.containsKey(LossTerm.CLONE) ? be.allocate(n, d) : null;
        studentOut = this.weights.containsKey(LossTerm.CLONE) ? be.allocate(n, ds) : null;
        target = be.allocate(n, ds);
        dtarget = be.allocate(n, ds);
    }

    /**
     * For an LRC student of {@code teacher} (the frozen teacher model, whose own Activations the caller fills):
     * the residual map is the embedding projection, and every target-path gradient goes into
     * {@code student.projectionGradients()}.
     */
    public static ActivationLosses lowRank(CausalLM teacher, LowRankStudent student, Map<LossTerm, Float> weights,
                                           int batch, int seqLen) {
        Tensor map = student.projections().get(LowRankStudent.EMBEDDING);
        requireMap(teacher.config(), student.studentConfig(), map);
        return new ActivationLosses(teacher, student.studentConfig(), student.folded(), student, map,
                student.projectionGradients().get(LowRankStudent.EMBEDDING), weights, batch, seqLen);
    }

    /**
     * For a hard-pruned student (a plain model, e.g. from {@code compress.WidthPruner}) that kept the teacher's
     * residual channels {@code keptChannels} (student channel k is teacher channel keptChannels[k]): the residual
     * map is their selection matrix, fixed. {@code clone} is not available (an IllegalArgumentException says why).
     */
    public static ActivationLosses pruned(CausalLM teacher, CausalLM student, int[] keptChannels,
                                          Map<LossTerm, Float> weights, int batch, int seqLen) {
        int d = teacher.config().hiddenSize(), ds = student.config().hiddenSize();
        if (keptChannels.length != ds) {
            throw new IllegalArgumentException(keptChannels.length + " kept channels for a student of hidden size " + ds);
        }
        float[] selection = new float[d * ds];   // [d, d']  M[keptChannels[k], k] = 1
        boolean[] seen = new boolean[d];
        for (int k = 0; k < ds; k++) {
            int c = keptChannels[k];
            if (c < 0 || c >= d || seen[c]) {
                throw new IllegalArgumentException("kept channel " + c + " at " + k + " is outside [0, " + d + ") or repeated");
            }
            seen[c] = true;
            selection[c * ds + k] = 1f;
        }
        Tensor map = teacher.backend().allocate(d, ds);
        teacher.backend().upload(map, selection);
        return new ActivationLosses(teacher, student.config(), student.parameters(), null, map, null, weights, batch, seqLen);
    }

    private static void requireMap(ModelConfig teacher, ModelConfig student, Tensor map) {
        if (map.dim(0) != teacher.hiddenSize() || map.dim(1) != student.hiddenSize()) {
            throw new IllegalArgumentException("embedding projection " + map + " does not map the teacher's hidden size "
                    + teacher.hiddenSize() + " to the student's " + student.hiddenSize());
        }
    }

    /** The requested terms and their weights (those with weight > 0). */
    public Map<LossTerm, Float> weights() {
        return weights;
    }

    /** The student's activation gradients, refilled by each {@link #accumulate}. */
    public InjectedGradients injected() {
        return injected;
    }

    /** [LossTerm count] on the device: slot {@code term.ordinal()} += the term's unweighted value on each {@link #accumulate}. */
    public Tensor lossSums() {
        return lossSums;
    }

    public void zeroLosses() {
        be.zero(lossSums);
    }

    /** The slots of {@link #lossSums()} read back (a sync point): divide by the number of calls for a mean. */
    public Map<LossTerm, Float> readLossSums() {
        float[] host = be.downloadFloats(lossSums);
        Map<LossTerm, Float> out = new EnumMap<>(LossTerm.class);
        weights.keySet().forEach(t -> out.put(t, host[t.ordinal()]));
        return out;
    }

    /**
     * One micro-batch, after both forward passes over the same ids: overwrites {@link #injected()} with
     * gradScale times the gradient of sum_t weight_t term_t with respect to the student's activations, adds each
     * term's unweighted value into its slot of {@link #lossSums()}, and, for an LRC student, adds gradScale times
     * the target-path gradients into its projection gradients ({@code +=}; the caller zeroes them once per
     * optimizer step). The student's folded weights must be current ({@link LowRankStudent#fold}).
     */
    public void accumulate(Activations teacherActs, Activations studentActs, float gradScale) {
        requireActivations(teacherActs, teacherConfig.hiddenSize(), "teacher");
        requireActivations(studentActs, studentConfig.hiddenSize(), "student");
        zeroInjected();
        be.zero(partial);
        int n = batch * seqLen, layers = teacherConfig.numLayers();
        Float clone = weights.get(LossTerm.CLONE);
        if (clone != null) {
            float g = gradScale * clone / (7f * layers * n);
            Tensor sum = slot(partial, LossTerm.CLONE);
            for (int l = 0; l < layers; l++) {
                Activations.Layer t = teacherActs.layers[l], s = studentActs.layers[l];
                be.mseLoss(rowLosses, sum, injected.q[l], null, s.q, t.q, g);
                be.mseLoss(rowLosses, sum, injected.k[l], null, s.k, t.k, g);
                be.mseLoss(rowLosses, sum, injected.v[l], null, s.v, t.v, g);
                be.mseLoss(rowLosses, sum, injected.gate[l], null, s.gate, t.gate, g);
                be.mseLoss(rowLosses, sum, injected.up[l], null, s.up, t.up, g);
                String p = "model.layers." + l + ".";
                cloneBlockOutput(p + "self_attn.o_proj", t.att, s.att, injected.attentionOutput[l], sum, g);
                cloneBlockOutput(p + "mlp.down_proj", t.act, s.act, injected.mlpOutput[l], sum, g);
            }
        }
        Float mse = weights.get(LossTerm.HIDDEN_MSE), cos = weights.get(LossTerm.HIDDEN_COS);
        if (mse != null || cos != null) {
            float norm = 1f / ((layers + 1f) * n);
            for (int l = 0; l <= layers; l++) {
                Tensor hs = studentActs.residual[l], ht = teacherActs.residual[l];   // [N, d'], [N, d]
                be.matmul(target, ht, false, residualMap, false, 1f, 0f);            // h_T M  [N, d']
                Tensor dt = residualMapGrad == null ? null : dtarget;
                if (dt != null) {
                    be.zero(dt);
                }
                if (mse != null) {
                    be.mseLoss(rowLosses, slot(partial, LossTerm.HIDDEN_MSE), injected.residual[l], dt, hs, target,
                            gradScale * mse * norm);
                }
                if (cos != null) {
                    be.cosineLoss(rowLosses, slot(partial, LossTerm.HIDDEN_COS), injected.residual[l], dt, hs, target,
                            gradScale * cos * norm);
                }
                if (dt != null) {
                    be.matmul(residualMapGrad, ht, true, dt, false, 1f, 1f);         // dM += h_T^T dtarget
                }
            }
        }
        for (LossTerm term : weights.keySet()) {   // slot += this call's sum of row losses / (pairs N): the term's value
            int pairs = term == LossTerm.CLONE ? 7 * layers : layers + 1;
            Tensor raw = slot(partial, term);
            be.scale(raw, 1f / ((float) pairs * n));
            be.accumulate(slot(lossSums, term), raw);
        }
    }

    /**
     * One clone pair on a block's output: recomputes the teacher's (y_T = x_T W^T + b) and the student's output of
     * the linear layer {@code prefix} exactly (they were added into the residual in place), maps the teacher's
     * through the layer's projection, and adds dW^p += y_T^T dtarget.
     */
    private void cloneBlockOutput(String prefix, Tensor teacherIn, Tensor studentIn, Tensor dStudentOut, Tensor sum,
                                  float g) {
        linear(teacherOut, teacherIn, teacher, prefix);                               // y_T  [N, d]
        linear(studentOut, studentIn, student, prefix);                               // y_S  [N, d']
        be.matmul(target, teacherOut, false, lowRank.projections().get(prefix), false, 1f, 0f);  // y_T W^p  [N, d']
        be.zero(dtarget);
        be.mseLoss(rowLosses, sum, dStudentOut, dtarget, studentOut, target, g);
        be.matmul(lowRank.projectionGradients().get(prefix), teacherOut, true, dtarget, false, 1f, 1f);  // dW^p += y_T^T dt
    }

    /** y [N, out] = x W^T (+ b) with the HF weight prefix.weight [out, in] of {@code params}. */
    private void linear(Tensor y, Tensor x, Parameters params, String prefix) {
        be.matmul(y, x, false, params.get(prefix + ".weight"), true, 1f, 0f);
        Tensor bias = params.find(prefix + ".bias");
        if (bias != null) {
            be.addBias(y, bias);
        }
    }

    private void zeroInjected() {
        for (Tensor[] ts : new Tensor[][]{injected.q, injected.k, injected.v, injected.gate, injected.up,
                injected.attentionOutput, injected.mlpOutput, injected.residual}) {
            for (Tensor t : ts) {
                if (t != null) {
                    be.zero(t);
                }
            }
        }
    }

    private static Tensor slot(Tensor sums, LossTerm term) {
        return sums.slice(term.ordinal(), term.ordinal() + 1);
    }

    private void requireActivations(Activations a, int hidden, String who) {
        if (a.batch != batch || a.seqLen != seqLen || a.residual[0].dim(-1) != hidden
                || a.residual.length != teacherConfig.numLayers() + 1) {
            throw new IllegalArgumentException("the " + who + "'s activations are for B = " + a.batch + ", T = " + a.seqLen
                    + ", hidden " + a.residual[0].dim(-1) + ", " + (a.residual.length - 1) + " layers; these losses were made for B = "
                    + batch + ", T = " + seqLen + ", hidden " + hidden + ", " + teacherConfig.numLayers() + " layers");
        }
    }
}
