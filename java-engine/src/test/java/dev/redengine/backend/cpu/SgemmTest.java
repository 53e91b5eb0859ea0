package dev.redengine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class SgemmTest {
    private static final Sgemm.Blocking BL = Sgemm.DEFAULT_BLOCKING;
    private static final Sgemm ONE = new Sgemm(1);
    private static final Sgemm TWO = new Sgemm(2);
    private static final Sgemm THREE = new Sgemm(3);
    /** Automatic arena: cases are shared across test methods and caller threads, so the GC frees them. */
    private static final Arena ARENA = Arena.ofAuto();

    /** One randomised problem: buffers with padding around the logical matrices, leading dims >= the minimum. */
    private record Case(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta,
                        MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                        MemorySegment c, long cOff, int ldc, MemorySegment cInit, MemorySegment magnitude,
                        MemorySegment expected) {

        static Case of(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int aRows = ta ? k : m, aCols = ta ? m : k;
            int bRows = tb ? n : k, bCols = tb ? k : n;
            int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
            long aOff = pad * 3L, bOff = pad * 5L, cOff = pad * 7L;
            MemorySegment a = random(rnd, aOff + (long) aRows * lda + pad);
            MemorySegment b = random(rnd, bOff + (long) bRows * ldb + pad);
            MemorySegment c = random(rnd, cOff + (long) m * ldc + pad);
            if (beta == 0f) {
                // beta == 0 must not read C: fill the logical C with NaN garbage.
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        c.setAtIndex(ValueLayout.JAVA_FLOAT, cOff + (long) i * ldc + j, Float.NaN);
                    }
                }
            }
            MemorySegment cInit = ARENA.allocate(c.byteSize(), 64).copyFrom(c);
            // |alpha| sum |a||b| + |beta c|, per element of C, bounds the rounding error.
            MemorySegment mag = ARENA.allocate((long) m * n * Float.BYTES, 64);
            MemorySegment absA = abs(a), absB = abs(b);
            SgemmReference.sgemm(ta, tb, m, n, k, Math.abs(alpha), absA, aOff, lda, absB, bOff, ldb, 0f, mag, 0, n);
            if (beta != 0f) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        long mi = (long) i * n + j;
                        float cv = c.getAtIndex(ValueLayout.JAVA_FLOAT, cOff + (long) i * ldc + j);
                        mag.setAtIndex(ValueLayout.JAVA_FLOAT, mi, mag.getAtIndex(ValueLayout.JAVA_FLOAT, mi) + Math.abs(beta * cv));
                    }
                }
            }
            MemorySegment expected = ARENA.allocate(cInit.byteSize(), 64).copyFrom(cInit);
            SgemmReference.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
            return new Case(ta, tb, m, n, k, alpha, beta, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, cInit, mag,
                    expected);
        }

        /** Runs {@code gemm} on a fresh copy of C (so several callers must each use their own Case). */
        void check(Sgemm gemm) {
            c.copyFrom(cInit);
            gemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            long total = c.byteSize() / Float.BYTES;
            for (long idx = 0; idx < total; idx++) {
                long rel = idx - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                float got = c.getAtIndex(ValueLayout.JAVA_FLOAT, idx);
                float want = expected.getAtIndex(ValueLayout.JAVA_FLOAT, idx);
                if (!inside) {
                    if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(cInit.getAtIndex(ValueLayout.JAVA_FLOAT, idx))) {
                        fail(this + ": wrote outside C at element " + idx);
                    }
                    continue;
                }
                float mag = magnitude.getAtIndex(ValueLayout.JAVA_FLOAT, (rel / ldc) * n + rel % ldc);
                float tol = 1e-5f * (mag + 1e-6f) * (float) Math.max(1, Math.sqrt(k) / 4);
                if (!(Math.abs(got - want) <= tol)) {
                    fail(String.format("%s threads=%d: C[%d,%d] = %g, reference %g (tol %g)",
                            this, gemm.threads(), rel / ldc, rel % ldc, got, want, tol));
                }
            }
        }

        @Override
        public String toString() {
            return String.format("sgemm(%s%s m=%d n=%d k=%d alpha=%g beta=%g lda=%d ldb=%d ldc=%d)",
                    ta ? "T" : "N", tb ? "T" : "N", m, n, k, alpha, beta, lda, ldb, ldc);
        }
    }

    private static MemorySegment random(SplittableRandom rnd, long count) {
        MemorySegment s = ARENA.allocate(count * Float.BYTES, 64);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return s;
    }

    private static MemorySegment abs(MemorySegment s) {
        MemorySegment r = ARENA.allocate(s.byteSize(), 64);
        for (long i = 0; i < s.byteSize() / Float.BYTES; i++) {
            r.setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.abs(s.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
        return r;
    }

    static Stream<Arguments> shapes() {
        int[][] mnk = {
                {1, 1, 1}, {1, 17, 3}, {3, 1, 17}, {17, 3, 1}, {3, 3, 3}, {17, 17, 17}, {65, 33, 17},
                {130, 65, 129}, {4, 32, 8}, {24, 48, 300}, {65, 130, 800}, {7, 200, 1000}, {200, 7, 65},
                {131, 257, 70}, {300, 70, 33},
        };
        List<Arguments> out = new ArrayList<>();
        long seed = 1;
        for (int[] s : mnk) {
            for (int t = 0; t < 4; t++) {
                out.add(Arguments.of(t >= 2, (t & 1) == 1, s[0], s[1], s[2], seed++));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{index}: transA={0} transB={1} m={2} n={3} k={4}")
    @MethodSource("shapes")
    void matchesReference(boolean ta, boolean tb, int m, int n, int k, long seed) {
        float[][] alphaBeta = {{1f, 0f}, {0.75f, 1f}, {-1.5f, 0.5f}};
        int i = 0;
        for (float[] ab : alphaBeta) {
            Case c = Case.of(ta, tb, m, n, k, ab[0], ab[1], i == 0 ? 0 : 3 + i, seed * 31 + i);
            c.check(ONE);
            c.check(TWO);
            i++;
        }
    }

    @Test
    void largerThanOneBlockInEveryDimension() {
        // Crosses the K block (kc), several M blocks (mc) and, with threads, the split; all transposes.
        int m = BL.mc() * 2 + 5, n = Sgemm.NR * 3 + 7, k = BL.kc() + 37;
        for (int t = 0; t < 4; t++) {
            Case c = Case.of(t >= 2, (t & 1) == 1, m, n, k, 1.25f, t == 0 ? 0f : 1f, 2, 1000 + t);
            c.check(ONE);
            c.check(TWO);
            c.check(THREE);
        }
    }

    @Test
    void manyStepsReuseTheTwoSharedBuffers() {
        // An M split over 4 K blocks, then over 2 N blocks: step s + 2 repacks the buffer of step s, and each later
        // K block adds to the C blocks of the one before, so a missing wait between threads shows up as wrong sums.
        Case deep = Case.of(false, true, BL.mc() * 2 + 11, 40, BL.kc() * 3 + 50, 1f, 0f, 0, 2024);
        Case wide = Case.of(true, false, BL.nc() + 300, BL.nc() + 100, 24, 1f, 1f, 0, 2025);
        for (int r = 0; r < 5; r++) {
            deep.check(TWO);
            deep.check(THREE);
        }
        wide.check(TWO);
        wide.check(THREE);
    }

    @Test
    void tinyBlocksGiveTheSameProducts() {
        // Blocks far smaller than the problem: many K, M and N blocks and many shared-buffer steps at a small size.
        Sgemm.Blocking tiny = new Sgemm.Blocking(16, 5, 40);
        assertEquals(Sgemm.MR * ((5 + Sgemm.MR - 1) / Sgemm.MR), tiny.mc());
        assertEquals(Sgemm.NR * ((40 + Sgemm.NR - 1) / Sgemm.NR), tiny.nc());
        try (Sgemm one = new Sgemm(1, tiny); Sgemm two = new Sgemm(2, tiny)) {
            for (int t = 0; t < 4; t++) {
                Case c = Case.of(t >= 2, (t & 1) == 1, 61, 3 * Sgemm.NR + 5, 70, 0.5f, t == 1 ? 0.75f : 0f, 1, 3000 + t);
                c.check(one);
                c.check(two);
            }
        }
    }

    @Test
    void blockingIsParsedAndChecked() {
        // 144 and 1920 are multiples of every tile's MR and NR, so they are kept as given.
        assertEquals(new Sgemm.Blocking(768, 144, 1920), Sgemm.Blocking.parse(" 768:144:1920 "));
        assertEquals("768:144:1920", Sgemm.Blocking.parse("768:144:1920").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sgemm.Blocking.parse("768:144"));
        assertTrue(e.getMessage().contains("kc:mc:nc"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sgemm.Blocking(0, 144, 2048));
        assertTrue(e.getMessage().contains("kc=0"), e.getMessage());
    }

    @Test
    void wideNSplitsAcrossThreads() {
        Case c = Case.of(false, true, 5, Sgemm.NR * 8 + 3, 300, 1f, 0f, 1, 77);
        c.check(TWO);
        c.check(THREE);
    }

    @Test
    void confinedSegmentsRunOnTheCallerThread() {
        int m = 100, n = 90, k = 80;
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment a = confined.allocate((long) m * k * Float.BYTES);
            MemorySegment b = confined.allocate((long) k * n * Float.BYTES);
            MemorySegment c = confined.allocate((long) m * n * Float.BYTES);
            MemorySegment want = ARENA.allocate((long) m * n * Float.BYTES);
            for (long i = 0; i < (long) m * k; i++) {
                a.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 13) * 0.25f - 1.5f);
            }
            for (long i = 0; i < (long) k * n; i++) {
                b.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 7) * 0.5f - 1.5f);
            }
            TWO.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            SgemmReference.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, want, 0, n);
            for (long i = 0; i < (long) m * n; i++) {
                // Products of multiples of 1/4 and 1/2 over k = 80 terms are exact in float.
                assertEquals(want.getAtIndex(ValueLayout.JAVA_FLOAT, i), c.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        }
    }

    @Test
    void failureInAWorkerPropagatesWithoutHanging() {
        int m = 200, n = 200, k = 100;
        MemorySegment a = ARENA.allocate((long) m * k * Float.BYTES);
        MemorySegment b = ARENA.allocate((long) k * n / 2 * Float.BYTES); // too small: the upper panels are out of range
        MemorySegment c = ARENA.allocate((long) m * n * Float.BYTES);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThrows(IndexOutOfBoundsException.class,
                    () -> TWO.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n));
            // The instance still works afterwards.
            Case.of(false, false, 64, 64, 96, 1f, 0f, 0, 9).check(TWO);
        });
    }

    @Test
    void alphaZeroOrEmptyKScalesC() {
        Case c = Case.of(false, false, 9, 11, 0, 1f, 0.5f, 2, 5);
        c.check(TWO);
        Case d = Case.of(true, false, 9, 11, 13, 0f, 0f, 2, 6);
        d.check(ONE);
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 11; j++) {
                assertEquals(0f, d.c().getAtIndex(ValueLayout.JAVA_FLOAT, d.cOff() + (long) i * d.ldc() + j));
            }
        }
    }

    @Test
    void concurrentCallersDoNotInterfere() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            cases.add(Case.of(i % 2 == 0, i / 2 == 1, 70 + i, 90 + i, 300 + i, 1f, 0f, 1, 500 + i));
        }
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (Case c : cases) {
                // Each caller has its own C; the Sgemm instance and its pool are shared.
                fs.add(callers.submit(() -> {
                    for (int r = 0; r < 3; r++) {
                        c.check(TWO);
                        c.check(THREE);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
        assertTrue(TWO.threads() == 2);
    }

    /**
     * Random problems from a fixed seed: both transposes, m and n in [1, 90], k in [1, 300], padding in [0, 5], beta
     * 0 (C not read), 1 or -0.25, and alpha 0.5 + (seed & 3). Before them come the edges, each with all four
     * transposes: dimension 1 and the maxima, one below / at / one above the register tile (MR rows, NR columns,
     * VL columns per vector), k around the 64-deep interleave chunk, and m * n * k around the single-thread
     * threshold SMALL (2^18 by default).
     */
    static Stream<Arguments> randomShapeCases() {
        int vl = Sgemm.NR / Sgemm.NV;
        int[][] edges = {
                {1, 1, 1}, {1, 1, 300}, {1, 90, 1}, {90, 1, 1}, {1, 90, 300}, {90, 1, 300}, {90, 90, 1},
                {90, 90, 300},
                {Sgemm.MR - 1, Sgemm.NR - 1, 2}, {Sgemm.MR - 1, Sgemm.NR, 63}, {Sgemm.MR - 1, Sgemm.NR + 1, 64},
                {Sgemm.MR, Sgemm.NR - 1, 65}, {Sgemm.MR, Sgemm.NR, 1}, {Sgemm.MR, Sgemm.NR + 1, 129},
                {Sgemm.MR + 1, Sgemm.NR - 1, 300}, {Sgemm.MR + 1, Sgemm.NR, 17}, {Sgemm.MR + 1, Sgemm.NR + 1, 3},
                {2 * Sgemm.MR + 1, vl - 1, 64}, {2 * Sgemm.MR + 1, vl, 65}, {2 * Sgemm.MR + 1, vl + 1, 63},
                {64, 64, 63}, {64, 64, 64}, {64, 64, 65},
        };
        long[] edgeSeeds = {0, 1, 2, 3, -1, Long.MIN_VALUE, Long.MAX_VALUE};
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (int[] e : edges) {
            for (int t = 0; t < 4; t++, i++) {
                out.add(randomShapeCase(t >= 2, (t & 1) == 1, e[0], e[1], e[2], i % 6, i % 3,
                        edgeSeeds[i % edgeSeeds.length]));
            }
        }
        SplittableRandom rnd = new SplittableRandom(0x5EED_6E44L);
        for (int r = 0; r < 60; r++) {
            out.add(randomShapeCase(rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextInt(1, 91), rnd.nextInt(1, 91),
                    rnd.nextInt(1, 301), rnd.nextInt(0, 6), rnd.nextInt(0, 3), rnd.nextLong()));
        }
        return out.stream();
    }

    private static Arguments randomShapeCase(boolean ta, boolean tb, int m, int n, int k, int pad, int betaKind,
                                             long seed) {
        float beta = betaKind == 0 ? 0f : betaKind == 1 ? 1f : -0.25f;
        return Arguments.of(ta, tb, m, n, k, pad, 0.5f + (seed & 3), beta, seed);
    }

    @ParameterizedTest(name = "{index}: transA={0} transB={1} m={2} n={3} k={4} pad={5} alpha={6} beta={7} seed={8}")
    @MethodSource("randomShapeCases")
    void randomShapes(boolean ta, boolean tb, int m, int n, int k, int pad, float alpha, float beta, long seed) {
        Case c = Case.of(ta, tb, m, n, k, alpha, beta, pad, seed);
        c.check(ONE);
        c.check(TWO);
    }
}
