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
 * A whole distillation step of {@link DistillStep}: the 10M teacher forward, a half-width student forward and
 * backward with the fused ce + kl losses, AdamW; B x T tokens, student {@code projections} (LRC/RED) or
 * {@code all} (hard-pruned, every weight trains), threads 1 and 2. Primary score: steps/s. Secondary:
 * {@code tokens} (tokens/s) and {@code GFLOP} (GFLOP/s with the flop count stated in {@link DistillStep}).
 *
 * <pre>
 *   java -jar benchmarks/target/benchmarks.jar DistillStepBenchmark -p student=all -p threads=2
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@State(Scope.Benchmark)
public class DistillStepBenchmark {

    @Param({"projections", "all"})
    public String student;

    @Param({"4"})
    public int batch;

    @Param({"256"})
    public int seqLen;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend be;
    private DistillStep step;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(threads);
        step = new DistillStep(be, student, batch, seqLen);
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

    /** The student's gradients are zeroed inside the step (Distiller does it), so steps do not accumulate. */
    @Benchmark
    public double step(Rates rates) {
        double loss = step.step();
        rates.tokens += step.tokens();
        rates.GFLOP += step.flops() * 1e-9;
        return loss;
    }
}
