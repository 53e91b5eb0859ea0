package dev.redengine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.redengine.eval.EffectiveRank;
import dev.redengine.eval.EffectiveRank.Definition;
import dev.redengine.eval.Gram;
import dev.redengine.eval.Matrix;

/**
 * RED eRank of a batch of 24 matrices (one per hidden state), CPU path: prepare (centre + row-normalise,
 * float64), Gram (Vector API, float64), symmetric eigenvalues ({@code EffectiveRank.cpu()}: TridiagonalEigenSolver;
 * {@link EigenBenchmark} compares it with EJML). {@code 1024x768} is the size the project compares with torch on
 * an H100 (svdvals 855 ms, Gram + eigvalsh 177 ms for the 24); {@code 256x128} a small one. {@code gramOnly}
 * isolates the Gram step (prepare + Gram, no eigensolve).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ErankBenchmark {

    @Param({"1024x768", "256x128"})
    public String shape;

    @Param({"24"})
    public int batch;

    private List<Matrix> matrices;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        int n = Integer.parseInt(s[0]);
        int d = Integer.parseInt(s[1]);
        Random r = new Random(42);
        matrices = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            float[] x = new float[n * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            matrices.add(new Matrix(x, n, d));
        }
    }

    @Benchmark
    public double[] redErank() {
        return EffectiveRank.cpu().computeAll(matrices, Definition.RED);
    }

    @Benchmark
    public double gramOnly() {
        double acc = 0;
        List<Gram> grams = matrices.parallelStream()
                .map(m -> Gram.smallerOf(EffectiveRank.prepare(m, Definition.RED))).toList();
        for (Gram g : grams) {
            acc += g.data()[0];
        }
        return acc;
    }
}
