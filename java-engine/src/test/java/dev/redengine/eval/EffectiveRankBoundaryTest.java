package dev.redengine.eval;

import dev.redengine.eval.EffectiveRank.Definition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The round-off threshold of {@link EffectiveRank#fromGramEigenvalues} at its exact value. */
class EffectiveRankBoundaryTest {

    @Test
    void anEigenvalueExactlyAtTheToleranceIsRoundOff() {
        // tol = n * 2^-52 * lambda_max = 2^-51 for n = 2, lambda_max = 1
        double tol = 2 * Math.ulp(1.0);
        for (Definition def : Definition.values()) {
            assertEquals(1.0, EffectiveRank.fromGramEigenvalues(new double[]{1, tol}, def), 0, def + ": cleared");
            assertTrue(EffectiveRank.fromGramEigenvalues(new double[]{1, 2 * tol}, def) > 1, def + ": kept above it");
        }
    }
}
