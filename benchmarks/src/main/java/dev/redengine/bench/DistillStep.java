package dev.redengine.bench;

import dev.redengine.backend.Backend;
import dev.redengine.compress.ChannelSelection;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.compress.WidthPruner;
import dev.redengine.distill.Distiller;
import dev.redengine.distill.FullStudent;
import dev.redengine.distill.LossWeights;
import dev.redengine.distill.LowRankStudent;
import dev.redengine.distill.ProjectionInit;
import dev.redengine.distill.ProjectionStudent;
import dev.redengine.distill.Student;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.RandomInit;
import dev.redengine.train.AdamW;
import dev.redengine.train.LrSchedule;

import java.util.SplittableRandom;

/**
 * One knowledge-distillation step ({@link Distiller#step} then {@link Distiller#read}) of the 10M Llama of
 * {@link TrainStep} (hidden 256, 8 layers, vocab 8192) as the frozen teacher, into a student of half its hidden
 * width (d' = 128; heads, head_dim and FFN kept), on B x T random token ids:
 * <pre>
 *   teacher forward  +  [fold]  +  student forward  +  ce and kl (fused, T = 2)  +  student backward
 *   +  [projection backward]  +  AdamW (clip 1, weight decay 0.1 on matrices)
 * </pre>
 * Two students, the two shapes {@code distill --trainable} has:
 * <ul>
 *   <li>{@code projections}: {@link ProjectionStudent} with orthogonal projections W^p [256, 128] and unit gains;
 *       the student's weights are folded from the teacher's every step (the bracketed parts);
 *   <li>{@code all}: {@link FullStudent} over the teacher hard-pruned to its 128 largest-norm channels, every
 *       weight trainable.
 * </ul>
 * The loss is {@code ce=1,kl=1}: next-token cross-entropy on the data plus T^2 KL(teacher || student).
 * {@code read()} downloads the step's metrics, a sync point, so that a step timed on an asynchronous backend
 * ends when its work does (on the CPU it is a copy of a few floats).
 *
 * <p>Flops of one step (the model work plus the fold; the logit losses and AdamW are memory-bound and not counted):
 * <pre>
 *   teacher forward   2 * P_matmul(teacher) * N + L * attn
 *   student           6 * P_matmul(student) * N + L * 3 * attn        (attn = 4*B*H*T*T*D/2, as in TrainStep)
 *   projections only  4 * d' * sum over projected teacher matrices of their size  (fold W W^p and W^T dW^S)
 * </pre>
 */
public final class DistillStep {
    public static final String LOSS = "ce=1,kl=1";
    public static final float TEMPERATURE = 2f;
    public static final float LR = 1e-4f;

    public final String kind;
    public final ModelConfig teacherConfig;
    public final CausalLM teacher;
    public final Student student;
    public final Distiller distiller;
    public final int batch;
    public final int seqLen;
    private final int[] ids;

    public DistillStep(Backend be, String kind, int batch, int seqLen) {
        this.kind = kind;
        this.batch = batch;
        this.seqLen = seqLen;
        this.teacherConfig = TrainStep.config10M(seqLen);
        this.teacher = new CausalLM(teacherConfig, RandomInit.parameters(be, teacherConfig, 1, 0.02), be);
        int dPrime = teacherConfig.hiddenSize() / 2;
        this.student = switch (kind) {
            case "projections" -> new ProjectionStudent(new LowRankStudent(teacherConfig, teacher.parameters(), dPrime,
                    new ProjectionInit.Orthogonal(), NormInit.ONES, 0, be));
            case "all" -> {
                int[] g = ChannelSelection.topK(MagnitudeImportance.of(teacherConfig, teacher.parameters(), be), dPrime);
                WidthPruner.Result r = WidthPruner.prune(teacherConfig, teacher.parameters(),
                        WidthPruner.channelsOnly(teacherConfig, g), NormInit.TEACHER, be);
                yield new FullStudent(new CausalLM(r.config(), r.parameters(), be));
            }
            default -> throw new IllegalArgumentException("student must be projections or all, got " + kind);
        };
        // a constant learning rate: one schedule step, past which AdamW keeps the last rate
        this.distiller = new Distiller(teacher, student,
                new Distiller.Settings(LossWeights.parse(LOSS), TEMPERATURE, 1, false),
                new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0.1f, 1f), new LrSchedule(LR, 0, 1, 1.0), batch, seqLen, 1);
        this.ids = new SplittableRandom(7).ints((long) batch * seqLen, 0, teacherConfig.vocabSize()).toArray();
    }

    /** One optimizer step; returns its weighted loss. */
    public double step() {
        distiller.step(ids);
        return distiller.read().getFirst().loss();
    }

    public long tokens() {
        return (long) batch * seqLen;
    }

    public long trainableCount() {
        return student.trainable().count();
    }

    public double flops() {
        ModelConfig s = student.model().config();
        double f = 2.0 * matmulParams(teacherConfig) * tokens() + attentionForward(teacherConfig)
                + 6.0 * matmulParams(s) * tokens() + 3 * attentionForward(s);
        if (student instanceof ProjectionStudent) {
            f += 4.0 * s.hiddenSize() * residualMatrices(teacherConfig);
        }
        return f;
    }

    /** 2-D weights that are a matmul operand: all but the embedding table (a lookup). */
    static long matmulParams(ModelConfig c) {
        long p = 0;
        for (ParameterSpec sp : ParameterSpec.of(c)) {
            if (sp.shape().length == 2 && !sp.name().equals("model.embed_tokens.weight")) {
                p += sp.numel();
            }
        }
        return p;
    }

    /** Teacher matrices that a projection multiplies: every 2-D weight (embedding and LM head included). */
    static long residualMatrices(ModelConfig c) {
        long p = 0;
        for (ParameterSpec sp : ParameterSpec.of(c)) {
            if (sp.shape().length == 2) {
                p += sp.numel();
            }
        }
        return p;
    }

    /** Causal attention forward flops of all layers: L * 4*B*H*T*T*D/2. */
    double attentionForward(ModelConfig c) {
        return c.numLayers() * 4.0 * batch * c.numHeads() * seqLen * (double) seqLen * c.headDim() / 2;
    }
}
