package dev.redengine.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import dev.redengine.eval.EffectiveRank.Definition;

/** eRank is finite and in [1, min(N, d)] for random shapes, for both definitions. */
class EffectiveRankPropertyTest {

    @Property(tries = 60)
    void eRankIsInRange(@ForAll @IntRange(min = 2, max = 40) int n, @ForAll @IntRange(min = 1, max = 40) int d,
                        @ForAll long seed) {
        Matrix m = EffectiveRankTest.gaussian(new Random(seed), n, d);
        for (Definition def : Definition.values()) {
            double e = EffectiveRank.cpu().compute(m, def);
            assertTrue(Double.isFinite(e) && e >= 1 - 1e-9 && e <= Math.min(n, d) + 1e-9, def + " " + e);
        }
    }
}
