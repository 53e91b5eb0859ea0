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
 * Every non-matmul op of the CPU backend at transformer sizes (see {@link OpCases}), threads 1 and 2.
 * Throughput mode: the primary score is calls/s; the secondary {@code GB} and {@code GFLOP} counters are
 * GB/s moved (reads + writes, STREAM convention) and GFLOP/s (attention only). The cases are
 * {@link OpCases#DEFAULT}, kept in step by hand (an annotation needs constants); {@code kl}/{@code klReverse} are
 * the fused distillation loss (forward and reverse KL at T = 2, gradient written), whose roofline is the same
 * copy bandwidth as every other op here: compare its GB/s with {@code Roofline}'s copy figure.
 *
 * <p>One case: {@code -p op=attention:1x1024x12x4x64 -p threads=2}. {@link Roofline} prints the same cases
 * as a table against this machine's copy bandwidth.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class OpsBenchmark {

    @Param({"add:2048x768",
            "rmsnorm:2048x768", "rmsnorm:2048x2048",
            "rmsnormBackward:2048x768", "rmsnormBackward:2048x2048",
            "rope:2048x12x64", "rope:2048x32x64", "rope:2048x4x32", "rope:16384x12x64",
            "attention:1x256x12x4x64", "attention:1x1024x12x4x64",
            "attentionBackward:1x256x12x4x64", "attentionBackward:1x1024x12x4x64",
            "swiglu:2048x2048", "swiglu:2048x5632",
            "swigluBackward:2048x2048", "swigluBackward:2048x5632",
            "crossEntropy:512x32000", "kl:512x32000", "klReverse:512x32000"})
    public String op;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend be;
    private OpCases.OpCase c;

    @Setup(Level.Trial)
    public void setup() {
        be = new CpuBackend(threads);
        c = OpCases.of(be, op);
    }

    @TearDown(Level.Trial)
    public void close() {
        be.close();
    }

    /** Secondary results: GB/s and GFLOP/s (JMH prints them as "ops/s" of these counters). */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Rates {
        public double GB;
        public double GFLOP;

        @Setup(Level.Iteration)
        public void reset() {
            GB = 0;
            GFLOP = 0;
        }
    }

    @Benchmark
    public void run(Rates rates) {
        c.run().run();
        rates.GB += c.bytes() * 1e-9;
        rates.GFLOP += c.flops() * 1e-9;
    }
}
