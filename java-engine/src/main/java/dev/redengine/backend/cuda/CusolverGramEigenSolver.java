package dev.redengine.backend.cuda;

import dev.redengine.eval.Gram;
import dev.redengine.eval.GramEigenSolver;

import java.util.List;

/**
 * {@link GramEigenSolver} on the GPU: each Gram matrix rounded to float32 and solved by {@code cusolverDnSsyevd}
 * (values only), one after another on the driver's context. float32 costs about 1e-7 of the largest eigenvalue in
 * absolute error, which eRank (an entropy over the normalised spectrum) does not feel; the CPU solvers stay the
 * reference. Not yet chosen by {@code analyze}: a caller on a GPU passes it where a GramEigenSolver is taken.
 */
public final class CusolverGramEigenSolver implements GramEigenSolver, AutoCloseable {
    private final GpuDriver driver;
    private final Cusolver cusolver;

    public CusolverGramEigenSolver(GpuDriver driver) {
        this.driver = driver;
        this.cusolver = Cusolver.open();
    }

    @Override
    public double[][] eigenvalues(List<Gram> grams) {
        double[][] out = new double[grams.size()][];
        for (int i = 0; i < out.length; i++) {
            Gram g = grams.get(i);
            float[] a = new float[g.data().length];
            for (int j = 0; j < a.length; j++) {
                a[j] = (float) g.data()[j];
            }
            float[] w = g.n() == 0 ? new float[0] : cusolver.eigenvalues(driver, a, g.n());
            out[i] = new double[w.length];
            for (int j = 0; j < w.length; j++) {
                out[i][j] = w[j];
            }
        }
        return out;
    }

    @Override
    public void close() {
        cusolver.close();
    }
}
