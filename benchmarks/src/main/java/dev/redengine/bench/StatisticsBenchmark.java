package dev.redengine.bench;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.compress.ActivationStatistics;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Calibration statistics (RED, Minitron channels / neurons / heads) of one batch of B = 4 sequences of T = 256
 * tokens on a ~10M-parameter random Llama ({@link BenchModels#llama10m}), CPU backend, all cores.
 * {@code accept}: {@link ActivationStatistics#accept} alone over the activations of a forward pass done in
 * setup (accept only reads them). {@code forwardThenAccept}: the whole calibration step (forward + accept),
 * for scale: accept's share of calibration is accept / forwardThenAccept.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class StatisticsBenchmark {
    static final int B = 4, T = 256;

    private CpuBackend be;
    private CausalLM lm;
    private Activations act;
    private ActivationStatistics stats;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend();
        ModelConfig c = BenchModels.llama10m();
        lm = new CausalLM(c, RandomInit.parameters(be, c, 1, 0.02), be);
        act = lm.allocateActivations(B, T);
        lm.setInput(act, new SplittableRandom(2).ints((long) B * T, 0, c.vocabSize()).toArray());
        lm.forward(act);
        stats = new ActivationStatistics(c);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }

    @Benchmark
    public long accept() {
        stats.accept(be, act);
        return stats.sequences();
    }

    @Benchmark
    public long forwardThenAccept() {
        lm.forward(act);
        stats.accept(be, act);
        return stats.sequences();
    }
}
