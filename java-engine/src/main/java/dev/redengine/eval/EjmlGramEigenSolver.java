package dev.redengine.eval;

import java.util.List;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * CPU eigenvalues with EJML's symmetric eigen decomposition (tridiagonalisation + implicit QR, values only),
 * one matrix per task on the common fork-join pool.
 */
public final class EjmlGramEigenSolver implements GramEigenSolver {

    @Override
    public double[][] eigenvalues(List<Gram> grams) {
        return GramEigenSolver.inParallel(grams, EjmlGramEigenSolver::eigenvalues);
    }

    /** Eigenvalues of one symmetric matrix. */
    public static double[] eigenvalues(Gram g) {
        int n = g.n();
        if (n == 0) {
            return new double[0];
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        DMatrixRMaj a = eig.inputModified() ? new DMatrixRMaj(n, n, true, g.data()) : DMatrixRMaj.wrap(n, n, g.data());
        if (!eig.decompose(a)) {
            throw new IllegalStateException("EJML symmetric eigen decomposition did not converge (n = " + n + ")");
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = eig.getEigenvalue(i).getReal();
        }
        return values;
    }
}
