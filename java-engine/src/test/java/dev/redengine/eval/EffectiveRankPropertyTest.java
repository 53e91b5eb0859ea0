package dev.redengine.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.redengine.eval.EffectiveRank.Definition;

/** eRank is finite and in [1, min(N, d)] for random shapes, for both definitions. */
class EffectiveRankPropertyTest {

    /**
     * The corners and diagonal of N in [2, 40] x d in [1, 40] (d = 1: a single column; N = 2: the fewest rows),
     * then random shapes and matrix seeds from a fixed seed.
     */
    static Stream<Arguments> shapes() {
        int[][] edges = {
                {2, 1}, {2, 2}, {3, 1}, {2, 3}, {2, 40}, {40, 1}, {40, 2}, {40, 40}, {39, 40}, {40, 39}, {17, 17},
                {3, 2}, {2, 39},
        };
        long[] edgeSeeds = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE};
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < edges.length; i++) {
            out.add(Arguments.of(edges[i][0], edges[i][1], edgeSeeds[i % edgeSeeds.length]));
        }
        SplittableRandom rnd = new SplittableRandom(0xE4A4_4C0DEL);
        for (int r = 0; r < 60; r++) {
            out.add(Arguments.of(rnd.nextInt(2, 41), rnd.nextInt(1, 41), rnd.nextLong()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{index}: N={0} d={1} seed={2}")
    @MethodSource("shapes")
    void eRankIsInRange(int n, int d, long seed) {
        Matrix m = EffectiveRankTest.gaussian(new Random(seed), n, d);
        for (Definition def : Definition.values()) {
            double e = EffectiveRank.cpu().compute(m, def);
            assertTrue(Double.isFinite(e) && e >= 1 - 1e-9 && e <= Math.min(n, d) + 1e-9, def + " " + e);
        }
    }
}
