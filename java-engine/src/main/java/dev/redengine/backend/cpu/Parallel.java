package dev.redengine.backend.cpu;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Splits index ranges over the calling thread and {@code threads - 1} daemon workers. Chunks are claimed from a
 * counter, and the caller claims too: it never waits for a worker to wake up, only for chunks a worker has
 * already started. That matters for the many short ops of a training step (an RMSNorm of 1024 x 256 takes
 * ~0.1 ms): with a ForkJoinPool, whose workers had to wake before any chunk ran, two threads were slower than
 * one on those ops. Blocking waits, no spinning: the hosts we run on are shared, and spin-waiting collapses
 * when another process takes a core.
 */
public final class Parallel implements AutoCloseable {

    /** Body of a parallel loop over [from, to). */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** Body of a parallel loop over chunk number chunk, the indices [from, to). */
    @FunctionalInterface
    public interface Chunk {
        void run(int chunk, int from, int to);
    }

    private final int threads;
    private final ExecutorService workers;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = threads == 1 ? null : daemonWorkers(threads - 1, "parallel-worker");
    }

    /** A fixed pool of daemon threads, so that an instance nobody closed never keeps the JVM alive. */
    static ExecutorService daemonWorkers(int count, String name) {
        return Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Throws {@code failure} unchanged if it is unchecked, wrapped otherwise; returns if it is null. */
    static void rethrow(Throwable failure) {
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error er) {
            throw er;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) in at most 4 x threads chunks of at least minChunk indices each; runs inline
     * when there is only one chunk. The first failure of any chunk is rethrown once every started chunk ended.
     */
    public void forRange(int n, int minChunk, Range body) {
        if (n <= 0) {
            return;
        }
        int chunks = chunks(n, minChunk);
        if (workers == null || chunks == 1) {
            body.run(0, n);
            return;
        }
        Job job = new Job(body, n, chunks);
        for (int t = 1; t < threads; t++) {
            workers.execute(job::work);
        }
        job.work();
        job.awaitAndRethrow();
    }

    /**
     * How many chunks forRange and forChunks split [0, n) into: a function of n, minChunk and the thread count
     * only, never of timing, so that reductions combined in chunk order are bit-reproducible for a given
     * thread count.
     */
    public int chunks(int n, int minChunk) {
        return n <= 0 ? 0 : Math.min(threads * 4, Math.max(1, n / Math.max(1, minChunk)));
    }

    /**
     * forRange's chunks, each told its number in [0, chunks(n, minChunk)): a reduction stores its partial per
     * chunk and the caller combines them in chunk order, not in the order threads happen to finish (that
     * would make float sums, and so training runs, differ from run to run).
     */
    public void forChunks(int n, int minChunk, Chunk body) {
        int chunks = chunks(n, minChunk);
        forRange(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                body.run(c, (int) ((long) c * n / chunks), (int) ((long) (c + 1) * n / chunks));
            }
        });
    }

    /** a[0] + a[1] + ... in index order. */
    static double sum(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s;
    }

    /** One forRange call: chunk i covers [i * n / chunks, (i + 1) * n / chunks). */
    private static final class Job {
        private final Range body;
        private final int n;
        private final int chunks;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(Range body, int n, int chunks) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.done = new CountDownLatch(chunks);
        }

        /** Claims and runs chunks until none is left; a worker that wakes after that returns at once. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    if (failure.get() == null) {
                        body.run((int) ((long) c * n / chunks), (int) ((long) (c + 1) * n / chunks));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        }

        void awaitAndRethrow() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the chunks still run and touch the caller's buffers: wait for them anyway
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            rethrow(failure.get());
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdown();
        }
    }
}
