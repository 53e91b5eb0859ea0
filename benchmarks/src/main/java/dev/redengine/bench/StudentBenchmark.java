package dev.redengine.bench;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.ChannelSelection;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.distill.LowRankStudent;
import dev.redengine.distill.ProjectionInit;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One LRC / RED student training step (no optimizer update) on the CPU backend, all cores: the ~10M teacher
 * of {@link BenchModels#llama10m} (d = 384) reduced to half width (d' = 192) with selection projections
 * (magnitude channels; the init does not change the cost), B = 4 sequences of T = 256 tokens.
 * <pre>
 *   step = LowRankStudent.fold() + CausalLM.forward + crossEntropy + CausalLM.backward + LowRankStudent.backward
 * </pre>
 * Throughput mode with one operation per token: the score (ops/s) is training tokens per second.
 * {@code foldOnly} and {@code projectionBackwardOnly} isolate the two LRC-specific parts, in the same unit.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class StudentBenchmark {
    static final int B = 4, T = 256, TOKENS = B * T;

    private CpuBackend be;
    private LowRankStudent student;
    private CausalLM lm;
    private Activations act;
    private int[] targets;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend();
        ModelConfig c = BenchModels.llama10m();
        Parameters teacher = RandomInit.parameters(be, c, 1, 0.02);
        int dPrime = c.hiddenSize() / 2;
        int[] g = ChannelSelection.topK(MagnitudeImportance.of(c, teacher, be), dPrime);
        student = new LowRankStudent(c, teacher, dPrime, new ProjectionInit.Selection(g), NormInit.TEACHER, 0, be);
        lm = new CausalLM(student.studentConfig(), student.folded(), be);
        act = lm.allocateActivations(B, T);
        int[] ids = new SplittableRandom(2).ints(TOKENS, 0, c.vocabSize()).toArray();
        lm.setInput(act, ids);
        targets = CausalLM.shiftedTargets(ids, B, T);
        lm.zeroGradients();
        student.zeroGradients();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public float step() {
        student.fold();
        lm.forward(act);
        lm.zeroGradients();
        float loss = lm.crossEntropy(act, targets, act.logits);
        lm.backward(act, act.logits);
        student.zeroGradients();
        student.backward(lm.gradients());
        return loss;
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public void foldOnly() {
        student.fold();
    }

    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public void projectionBackwardOnly() {
        student.zeroGradients();
        student.backward(lm.gradients());
    }
}
