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
import dev.redengine.eval.EjmlGramEigenSolver;
import dev.redengine.eval.Gram;
import dev.redengine.eval.GramEigenSolver;
import dev.redengine.eval.Matrix;
import dev.redengine.eval.TridiagonalEigenSolver;

/**
 * Symmetric eigenvalues (values only), our {@link TridiagonalEigenSolver} against EJML:
 * {@code eig768} one 768 x 768 Gram (single thread; compare numpy eigvalsh), {@code redErank24} the whole RED
 * eRank of 24 x [1024 x 768] float32 matrices (prepare + Gram + eigenvalues, batch in parallel; compare
 * {@code tools/erank_vs_numpy.py}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class EigenBenchmark {

    @Param({"tridiagonal", "ejml"})
    public String solver;

    private Gram gram768;
    private List<Matrix> batch;
    private GramEigenSolver eig;
    private EffectiveRank erank;

    @Setup
    public void setup() {
        eig = solver.equals("ejml") ? new EjmlGramEigenSolver() : new TridiagonalEigenSolver();
        erank = new EffectiveRank(eig);
        Random r = new Random(42);
        batch = new ArrayList<>();
        for (int b = 0; b < 24; b++) {
            float[] x = new float[1024 * 768];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            batch.add(new Matrix(x, 1024, 768));
        }
        gram768 = Gram.smallerOf(EffectiveRank.prepare(batch.get(0), Definition.RED));
    }

    @Benchmark
    public double[] eig768() {
        return eig.eigenvalues(List.of(gram768))[0];
    }

    @Benchmark
    public double[] redErank24() {
        return erank.computeAll(batch, Definition.RED);
    }
}
