package dev.redengine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    private static void assertEachIndexOnce(Parallel p, int n, int minChunk) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        p.forRange(n, minChunk, (from, to) -> {
            assertTrue(0 <= from && from <= to && to <= n, "[" + from + ", " + to + ") outside [0, " + n + ")");
            for (int i = from; i < to; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), "index " + i + " of n=" + n + ", minChunk=" + minChunk);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void everyIndexRunsExactlyOnce(int threads) {
        try (Parallel p = new Parallel(threads)) {
            for (int n : new int[] {0, 1, 2, 7, 8, 9, 63, 64, 65, 1000, 100_003}) {
                for (int minChunk : new int[] {1, 3, 16, 1 << 13}) {
                    assertEachIndexOnce(p, n, minChunk);
                }
            }
        }
    }

    @Test
    void aFailingChunkIsRethrownAfterTheOthersEnded() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray running = new AtomicIntegerArray(1);
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> p.forRange(64, 1, (from, to) -> {
                running.incrementAndGet(0);
                try {
                    if (from == 0) {
                        throw boom;
                    }
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    running.decrementAndGet(0);
                }
            }));
            assertSame(boom, thrown);
            assertEquals(0, running.get(0), "a chunk was still running when forRange returned");
            assertEachIndexOnce(p, 1000, 1); // still usable
        }
    }

    @Test
    void nestedCallsFromWorkersDoNotDeadlock() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(16 * 100);
            p.forRange(16, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    p.forRange(100, 1, (f, t) -> {
                        for (int j = f; j < t; j++) {
                            hits.incrementAndGet(row * 100 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < hits.length(); i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void concurrentCallersShareOneInstance() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try (Parallel p = new Parallel(2)) {
            Future<?>[] fs = new Future<?>[6];
            for (int c = 0; c < fs.length; c++) {
                int n = 5000 + c * 17;
                fs[c] = callers.submit(() -> {
                    for (int r = 0; r < 50; r++) {
                        assertEachIndexOnce(p, n, 7);
                    }
                });
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            callers.shutdown();
        }
    }
}
