package dev.redengine.bench;

import dev.redengine.backend.cpu.CpuBackend;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * A whole training step (forward + cross-entropy + backward) of the 10M-parameter Llama in {@link TrainStep},
 * B x T tokens, threads 1 and 2. Primary score: steps/s. Secondary: {@code tokens} (tokens/s) and
 * {@code GFLOP} (GFLOP/s with the flop count stated in {@link TrainStep}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class TrainStepBenchmark {

    @Param({"4"})
    public int batch;

    @Param({"256"})
    public int seqLen;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend be;
    private TrainStep step;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(threads);
        step = new TrainStep(be, batch, seqLen);
    }

    /** Gradients accumulate across steps; zero them per iteration (outside the timed step) to keep them small. */
    @Setup(Level.Iteration)
    public void zeroGrads() {
        step.model.zeroGradients();
    }

    @TearDown(Level.Trial)
    public void close() {
        be.close();
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Rates {
        public double tokens;
        public double GFLOP;

        @Setup(Level.Iteration)
        public void reset() {
            tokens = 0;
            GFLOP = 0;
        }
    }

    @Benchmark
    public float step(Rates rates) {
        float loss = step.step();
        rates.tokens += step.tokens();
        rates.GFLOP += step.flops() * 1e-9;
        return loss;
    }
}
