package dev.redengine.distill;

import dev.redengine.backend.Backend;
import dev.redengine.compress.NormInit;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;
import dev.redengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The LRC / EDistill student (RED-METHOD section 2): the teacher stays frozen; every student weight is a
 * teacher weight times a trainable projection W^p [d, d'], one per weight type per layer, plus trainable
 * RMSNorm gains of size d'. {@link #fold} writes the plain narrower weights, so the student runs through the
 * ordinary {@link dev.redengine.model.CausalLM}; {@link #backward} turns that model's weight gradients into
 * projection gradients by the chain rule:
 * <pre>
 *   input side  (q, k, v, gate, up, embedding, LM head): W^S = W W^p     ->  dW^p += W^T dW^S
 *   output side (o, down; HF [d, inner]):                 W^S = W^p^T W   ->  dW^p += W dW^S^T
 *   output-side bias:                                     b^S = W^p^T b   ->  dW^p += b (db^S)^T
 * </pre>
 * Input-side biases, q_norm and k_norm have no residual dimension: they are the teacher's, frozen. A tied
 * teacher gives a tied student whose embedding and head share one projection.
 */
public final class LowRankStudent {
    /** Projection names are the teacher weight's prefix, e.g. "model.layers.0.self_attn.q_proj". */
    public static final String EMBEDDING = "model.embed_tokens";
    public static final String LM_HEAD = "lm_head";

    private final ModelConfig teacherConfig;
    private final ModelConfig studentConfig;
    private final Parameters teacher;
    private final Backend be;
    private final Map<String, Tensor> projections = new LinkedHashMap<>();   // [d, d']
    private final Map<String, Tensor> projectionGrads = new LinkedHashMap<>();
    private final Parameters gains = new Parameters();                      // [d'] each
    private final Parameters folded;
    private final List<Projected> projected = new ArrayList<>();

    private enum Side { INPUT, OUTPUT, OUTPUT_BIAS }

    /** One student tensor computed from a teacher tensor and a projection, with where its gradient goes. */
    private record Projected(String name, Side side, Tensor teacher, Tensor student, Tensor projection,
                             Tensor projectionGrad) {
    }

    public LowRankStudent(ModelConfig teacherConfig, Parameters teacher, int studentHidden, ProjectionInit init,
                          NormInit normInit, long seed, Backend be) {
        if (studentHidden <= 0 || studentHidden > teacherConfig.hiddenSize()) {
            throw new IllegalArgumentException("student hidden size " + studentHidden + " must be in [1, "
                    + teacherConfig.hiddenSize() + "]");
        }
        if (normInit == NormInit.TEACHER && !(init instanceof ProjectionInit.Selection)) {
            throw new IllegalArgumentException("norm gains 'teacher' need a channel selection (teacher[G]); "
                    + "use 'ones' with random or orthogonal projections");
        }
        this.teacherConfig = teacherConfig;
        this.studentConfig = teacherConfig.resized(studentHidden, teacherConfig.intermediateSize(), teacherConfig.numHeads());
        this.teacher = teacher;
        this.be = be;
        int d = teacherConfig.hiddenSize();
        SplittableRandom rng = new SplittableRandom(seed);
        float[] host = new float[d * studentHidden];
        for (String name : projectionNames(teacherConfig)) {
            init.fill(host, d, studentHidden, rng);
            Tensor p = be.allocate(d, studentHidden);
            be.upload(p, host);
            projections.put(name, p);
            projectionGrads.put(name, be.allocate(d, studentHidden));
        }
        for (ParameterSpec s : ParameterSpec.of(studentConfig)) {
            if (isResidualNorm(s.name())) {
                float[] g = new float[studentHidden];
                if (normInit == NormInit.ONES) {
                    java.util.Arrays.fill(g, 1f);
                } else {
                    int[] channels = ((ProjectionInit.Selection) init).channels();
                    float[] t = be.downloadFloats(teacher.get(s.name()));
                    for (int k = 0; k < studentHidden; k++) {
                        g[k] = t[channels[k]];
                    }
                }
                Tensor t = be.allocate(studentHidden);
                be.upload(t, g);
                gains.put(s.name(), t);
            }
        }
        this.folded = new Parameters();
        for (ParameterSpec s : ParameterSpec.of(studentConfig)) {
            Tensor shared = gains.find(s.name());
            if (shared == null && !hasResidualDim(s.name())) {
                shared = teacher.get(s.name()); // frozen teacher tensor, same shape
            }
            folded.put(s.name(), shared != null ? shared : be.allocate(s.shape()));
        }
        for (ParameterSpec s : ParameterSpec.of(studentConfig)) {
            String name = s.name();
            if (!hasResidualDim(name) || isResidualNorm(name)) {
                continue;
            }
            String prefix = name.substring(0, name.lastIndexOf('.'));
            Side side = name.endsWith(".bias") ? Side.OUTPUT_BIAS : isOutputSide(prefix) ? Side.OUTPUT : Side.INPUT;
            String proj = projectionFor(prefix);
            projected.add(new Projected(name, side, teacher.get(name), folded.get(name), projections.get(proj),
                    projectionGrads.get(proj)));
        }
        fold();
    }

    /** Weight types that get a projection, in HF order. */
    static Iterable<String> projectionNames(ModelConfig c) {
        var names = new ArrayList<String>();
        names.add(EMBEDDING);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            for (String t : new String[]{"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
                names.add(p + t);
            }
        }
        if (!c.tieWordEmbeddings()) {
            names.add(LM_HEAD);
        }
        return names;
    }

    private static boolean isResidualNorm(String name) {
        return name.endsWith("layernorm.weight") || name.equals("model.norm.weight");
    }

    private static boolean isOutputSide(String prefix) {
        return prefix.endsWith("o_proj") || prefix.endsWith("down_proj");
    }

    /** Whether the student's tensor is computed from a projection (else it is a gain or a frozen teacher tensor). */
    private static boolean hasResidualDim(String name) {
        if (isResidualNorm(name)) {
            return true;
        }
        if (name.endsWith(".weight")) {
            return !name.endsWith("q_norm.weight") && !name.endsWith("k_norm.weight");
        }
        return name.endsWith("o_proj.bias") || name.endsWith("down_proj.bias"); // bias of an output side
    }

    private String projectionFor(String weightPrefix) {
        if (weightPrefix.equals(LM_HEAD) && teacherConfig.tieWordEmbeddings()) {
            return EMBEDDING;
        }
        return weightPrefix;
    }

    public ModelConfig studentConfig() {
        return studentConfig;
    }

    public Backend backend() {
        return be;
    }

    /** The plain student weights, valid after the last {@link #fold}; gains and frozen tensors are shared. */
    public Parameters folded() {
        return folded;
    }

    public Map<String, Tensor> projections() {
        return projections;
    }

    public Map<String, Tensor> projectionGradients() {
        return projectionGrads;
    }

    public Parameters gains() {
        return gains;
    }

    /** Trainable parameter count: projections plus gains. */
    public long trainableCount() {
        return projections.values().stream().mapToLong(Tensor::numel).sum() + gains.count();
    }

    /** Recomputes every projected student weight from the frozen teacher and the current projections. */
    public void fold() {
        for (Projected w : projected) {
            switch (w.side()) {
                case INPUT -> be.matmul(w.student(), w.teacher(), false, w.projection(), false, 1f, 0f);   // W^S = W W^p
                case OUTPUT -> be.matmul(w.student(), w.projection(), true, w.teacher(), false, 1f, 0f);  // W^S = W^p^T W
                case OUTPUT_BIAS -> be.matmul(w.student().view(1, w.student().dim(0)),                     // b^S = W^p^T b
                        w.teacher().view(1, w.teacher().dim(0)), false, w.projection(), false, 1f, 0f);
            }
        }
    }

    public void zeroGradients() {
        projectionGrads.values().forEach(be::zero);
    }

    /**
     * Accumulates projection gradients from the folded model's weight gradients. Gain gradients need no
     * work: the gains are the folded model's norm weights, so its gradients for them are theirs.
     */
    public void backward(Parameters studentGrads) {
        for (Projected w : projected) {
            Tensor dws = studentGrads.get(w.name()), dp = w.projectionGrad();
            switch (w.side()) {
                case INPUT -> be.matmul(dp, w.teacher(), true, dws, false, 1f, 1f);                        // += W^T dW^S
                case OUTPUT -> be.matmul(dp, w.teacher(), false, dws, true, 1f, 1f);                       // += W dW^S^T
                case OUTPUT_BIAS -> be.matmul(dp, w.teacher().view(1, w.teacher().dim(0)), true,           // += b (db^S)^T
                        dws.view(1, dws.dim(0)), false, 1f, 1f);
            }
        }
    }
}
