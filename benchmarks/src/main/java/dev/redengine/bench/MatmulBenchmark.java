package dev.redengine.bench;

import dev.redengine.backend.cpu.Sgemm;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * CPU SGEMM throughput. {@code shape} is m x k x n: op(A) [m, k], op(B) [k, n], C [m, n]. {@code trans} is the
 * transpose pair the model uses: NN, NT (y = x W^T, W stored [n, k]) and TN (dW = dy^T x, dy stored [k, m]).
 *
 * <p>Read GFLOP/s from the secondary result {@code matmul:gflop} (an {@link AuxCounters} rate: GFLOP done per
 * second). Equivalently, ops/s x 2mnk = FLOP/s.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -jar benchmarks/target/benchmarks.jar MatmulBenchmark -p shape=1024x1024x1024 -p trans=NN -p threads=1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MatmulBenchmark {
    @Param({"512x512x512", "1024x1024x1024", "2048x2048x2048", "4096x768x2048"})
    public String shape;

    @Param({"NN", "NT", "TN"})
    public String trans;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private Sgemm gemm;
    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private int m;
    private int n;
    private int k;
    private boolean ta;
    private boolean tb;
    private double gflopPerCall;

    /** GFLOP per second, reported as the secondary result "gflop". */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] d = shape.split("x");
        m = Integer.parseInt(d[0]);
        k = Integer.parseInt(d[1]);
        n = Integer.parseInt(d[2]);
        ta = trans.charAt(0) == 'T';
        tb = trans.charAt(1) == 'T';
        arena = Arena.ofShared();
        a = random((long) m * k, 1);
        b = random((long) k * n, 2);
        c = arena.allocate((long) m * n * Float.BYTES, 64);
        gemm = new Sgemm(threads);
        gflopPerCall = 2.0 * m * n * k / 1e9;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment matmul(Flops flops) {
        int lda = ta ? m : k, ldb = tb ? k : n;
        gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        flops.gflop += gflopPerCall;
        return c;
    }

    private MemorySegment random(long count, long seed) {
        MemorySegment s = arena.allocate(count * Float.BYTES, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return s;
    }
}
