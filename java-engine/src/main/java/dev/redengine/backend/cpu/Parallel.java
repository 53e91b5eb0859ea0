package dev.redengine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges over a fixed ForkJoinPool. Blocking joins, no spinning: the hosts we run on are shared
 * and spin-waiting collapses when another process takes a core.
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private final ForkJoinPool pool;
    private final int threads;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) in at most 4 x threads chunks of at least minChunk indices each; runs inline
     * when there is only one chunk.
     */
    public void forRange(int n, int minChunk, Range body) {
        if (n <= 0) {
            return;
        }
        int chunks = Math.min(threads * 4, Math.max(1, n / Math.max(1, minChunk)));
        if (pool == null || chunks == 1) {
            body.run(0, n);
            return;
        }
        pool.invoke(new Chunk(body, 0, n, (n + chunks - 1) / chunks));
    }

    private static final class Chunk extends RecursiveAction {
        private final Range body;
        private final int from;
        private final int to;
        private final int grain;

        Chunk(Range body, int from, int to, int grain) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.grain = grain;
        }

        @Override
        protected void compute() {
            if (to - from <= grain) {
                body.run(from, to);
                return;
            }
            int mid = from + (to - from) / 2;
            invokeAll(new Chunk(body, from, mid, grain), new Chunk(body, mid, to, grain));
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
