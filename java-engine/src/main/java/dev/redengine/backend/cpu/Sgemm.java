package dev.redengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Single-precision GEMM for the CPU backend. Row-major, offsets and leading dimensions in elements:
 * op(A) [m, k], op(B) [k, n], C [m, n]; C = alpha * op(A) op(B) + beta * C. beta == 0 means C is not read.
 *
 * <p>Design (GotoBLAS style, Vector API):
 * <ul>
 *   <li>a register tile of {@link #MR} rows x {@link #NV} vectors ({@code MR * NV} FMA accumulators);</li>
 *   <li>op(B) is packed per (K block, N block) into a heap {@code float[]} of {@link #NR}-wide column panels,
 *       op(A) per (M block, K block) into {@link #MR}-tall row panels, alpha folded into A; all four transpose
 *       combinations are resolved while packing, edges are zero-padded;</li>
 *   <li>the first K block stores C without reading it when beta == 0, later K blocks accumulate;</li>
 *   <li>work is split over M ranges (N ranges when N is the larger) across a fixed pool of daemon threads
 *       owned by this instance (blocking hand-off, no spinning); the caller thread computes one share itself.
 *       With an M split, each op(B) block is packed once, the threads claiming its panels from a counter, into
 *       one of two shared buffers; once its panels are packed they pull balanced mc-row blocks of C from a
 *       second counter (dynamic scheduling), each packing its own op(A) blocks. Nobody waits for a thread that
 *       has not started yet (see {@link Progress}): the caller begins at once, and a worker woken late (or
 *       descheduled on a busy host) just joins in where the work is;</li>
 *   <li>small problems run on the caller thread with no hand-off.</li>
 * </ul>
 * The kernels' K loops step two induction variables ({@code ai += MR, bi += NR}) instead of deriving both
 * indices from {@code p}: C2 then emits 20 instructions per step instead of 25, which measured 15-25 % faster
 * on Zen 3 (the loop is close to the 6-wide dispatch limit). Unrolling the K loop by hand measured slower:
 * C2 hoists the second step's loads and spills accumulators.
 * Packing buffers are per thread ({@link ThreadLocal}), so concurrent calls from several threads are safe.
 */
public final class Sgemm implements AutoCloseable {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /**
     * Register tile shape as rows * 10 + vectors (property redengine.sgemm.kernel overrides): 33 where vectors are
     * 256 bits or narrower (9 accumulators + 3 op(B) vectors + 3 broadcasts fill 15 of AVX2's 16 vector registers),
     * 44 where they are 512 bits (16 accumulators: AVX-512 has 32 registers; on AVX2 this tile spills). Other
     * shapes were measured on AVX2 (Zen 3) and removed: 4x3 and 6x2 spill (half speed: C2 loads every broadcast
     * of a K step up front); 2x4, 2x5 and 4x2 were no faster; 5x2 was ~4 % faster on the bare micro-kernel and
     * faster when two JVMs shared the host, but no faster than 3x3 alone in whole products (paired JVM runs).
     */
    static final int KERNEL = checkedKernel(Integer.getInteger("redengine.sgemm.kernel", VL >= 16 ? 44 : 33));
    /** Rows of the register tile. */
    static final int MR = KERNEL / 10;
    /** Vectors (of {@link #VL} floats) across the register tile. */
    static final int NV = KERNEL % 10;
    /** Columns of the register tile. */
    static final int NR = NV * VL;

    /** The blocking {@link #Sgemm(int)} uses: properties redengine.sgemm.kc / .mc / .nc, else the tuned sizes. */
    public static final Blocking DEFAULT_BLOCKING = new Blocking(
            Integer.getInteger("redengine.sgemm.kc", 768),
            Integer.getInteger("redengine.sgemm.mc", 144),
            Integer.getInteger("redengine.sgemm.nc", 2048));
    /** Below this many multiply-adds (m * n * k) the caller thread does everything. */
    static final long SMALL = Long.getLong("redengine.sgemm.small", 1L << 18);
    /** Packed op(B) panels start on a multiple of this (one vector), see {@link HeapAlignment}. */
    private static final int VECTOR_BYTES = VL * Float.BYTES;
    /** Depths per chunk when interleaving stored rows into a panel (see {@link #interleave}). */
    private static final int INTERLEAVE_CHUNK = 64;
    /** Extra floats in each op(B) buffer, so that the aligned start still leaves room for the panels. */
    private static final int ALIGN_SLACK = VL;

    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Packing reads single floats at any element offset: no alignment check needed. */
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int OVERWRITE = 0;
    private static final int SCALE = 1;
    private static final int ACCUMULATE = 2;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private static final Thread OTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    /**
     * Cache blocking, in elements: K block {@code kc} (the depth of every packed panel), M block {@code mc} (rows
     * of packed op(A), rounded up to the register tile) and N block {@code nc} (columns of packed op(B), rounded up
     * to the tile). An instance parameter rather than a constant so that one JVM can compare blockings call by
     * call (MatmulTimer --blocking), the only fair comparison on a shared, noisy host.
     */
    public record Blocking(int kc, int mc, int nc) {
        public Blocking {
            if (kc < 1 || mc < 1 || nc < 1) {
                throw new IllegalArgumentException("sgemm blocking must be positive: kc=" + kc + " mc=" + mc + " nc=" + nc);
            }
            mc = roundUp(mc, MR);
            nc = roundUp(nc, NR);
        }

        /** Parses {@code kc:mc:nc}, e.g. {@code 768:144:2048}. */
        public static Blocking parse(String s) {
            String[] p = s.trim().split(":");
            if (p.length != 3) {
                throw new IllegalArgumentException("sgemm blocking must be kc:mc:nc, got '" + s + "'");
            }
            return new Blocking(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
        }

        @Override
        public String toString() {
            return kc + ":" + mc + ":" + nc;
        }
    }

    private final int threads;
    private final Blocking blocking;
    private final ExecutorService pool;

    public Sgemm(int threads) {
        this(threads, DEFAULT_BLOCKING);
    }

    public Sgemm(int threads, Blocking blocking) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        this.threads = threads;
        this.blocking = java.util.Objects.requireNonNull(blocking, "blocking");
        this.pool = threads == 1 ? null : Parallel.daemonWorkers(threads - 1, "sgemm-worker");
    }

    public int threads() {
        return threads;
    }

    /** The register tile in effect, e.g. "3x3 vectors of 8 floats", for --help and info. */
    public static String tile() {
        return MR + "x" + NV + " vectors of " + VL + " floats";
    }

    public Blocking blocking() {
        return blocking;
    }

    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                      float beta, MemorySegment c, long cOff, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0 || alpha == 0f) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        Problem pr = new Problem(blocking, transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        long work = (long) m * n * k;
        int parts = threads;
        if (work < SMALL || parts == 1 || !shareable(a) || !shareable(b) || !shareable(c)) {
            pr.run(0, m, 0, n);
            return;
        }
        // Split the larger of M and N into `parts` ranges aligned to the register tile.
        boolean splitM = m >= n || n < parts * NR;
        int dim = splitM ? m : n;
        int align = splitM ? MR : NR;
        int units = (dim + align - 1) / align;
        parts = Math.min(parts, units);
        if (parts == 1) {
            pr.run(0, m, 0, n);
            return;
        }
        if (splitM) {
            runSplitM(pr, m, n, parts);
        } else {
            runSplitN(pr, m, n, parts, units, align);
        }
    }

    /**
     * All threads work on one (N block, K block) step at a time: they pack its op(B) panels into a shared buffer
     * (panels claimed from a counter), then pull M blocks of C from a second counter (see {@link Progress}).
     * The caller returns once every block is done; it never waits for a worker that has not started, and a worker
     * that wakes after the tickets are gone touches nothing.
     */
    private void runSplitM(Problem pr, int m, int n, int parts) {
        Buffers own = BUFFERS.get();
        int size = pr.kcMax() * Math.min(blocking.nc(), roundUp(n, NR));
        int mcB = pr.mBlock(m, parts);
        float[] b0 = own.b(size), b1 = own.b2(size);
        Progress progress = new Progress(new float[][] {b0, b1},
                new int[] {HeapAlignment.floatsToAlign(b0, VECTOR_BYTES), HeapAlignment.floatsToAlign(b1, VECTOR_BYTES)},
                pr.steps(n), mcB, (m + mcB - 1) / mcB);
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int t = 1; t < parts; t++) {
            futures.add(pool.submit(() -> pr.runShared(m, n, progress)));
        }
        try {
            pr.runShared(m, n, progress);
            progress.awaitAllBlocks();
        } catch (RuntimeException | Error e) {
            progress.fail(e);
            // Workers may still be inside a block that reads this thread's buffers: let them stop first.
            awaitAll(futures, null);
        }
        Parallel.rethrow(progress.failure());
    }

    /** N ranges per thread, each packing its own op(B) and all of op(A): no coupling between the parts. */
    private void runSplitN(Problem pr, int m, int n, int parts, int units, int align) {
        int[] bounds = new int[parts + 1];
        for (int t = 0; t <= parts; t++) {
            bounds[t] = Math.min(n, (int) ((long) units * t / parts) * align);
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int t = 1; t < parts; t++) {
            int lo = bounds[t], hi = bounds[t + 1];
            futures.add(pool.submit(() -> pr.run(0, m, lo, hi)));
        }
        Throwable failure = null;
        try {
            pr.run(0, m, 0, bounds[1]);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        Parallel.rethrow(awaitAll(futures, failure));
    }

    /** Waits for every future (also when interrupted); returns the first failure, others added as suppressed. */
    private static Throwable awaitAll(List<Future<?>> futures, Throwable failure) {
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else if (failure != e.getCause()) {
                        failure.addSuppressed(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return failure;
    }

    /** Shuts the worker pool down; later multi-threaded calls are rejected. Idle workers are daemons anyway. */
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    /**
     * Whether pool threads may touch {@code s}: false for segments of a confined arena owned by the caller, which
     * then runs the whole product itself. (An unstarted thread stands for "any other thread".)
     */
    private static boolean shareable(MemorySegment s) {
        return s.isAccessibleBy(OTHER_THREAD);
    }

    private static void scaleC(int m, int n, float beta, MemorySegment c, long cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                float v = beta == 0f ? 0f : beta * c.getAtIndex(ValueLayout.JAVA_FLOAT, row + j);
                c.setAtIndex(ValueLayout.JAVA_FLOAT, row + j, v);
            }
        }
    }

    /** Fails at class load on an unknown tile, so that the kernel switches below never meet one. */
    private static int checkedKernel(int kernel) {
        if (kernel != 33 && kernel != 44) {
            throw new IllegalStateException("no kernel " + kernel + ": redengine.sgemm.kernel must be 33 or 44");
        }
        return kernel;
    }

    private static int roundUp(int x, int to) {
        return Math.max(to, (x + to - 1) / to * to);
    }

    /** Per-thread packing buffers, grown on demand. */
    private static final class Buffers {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] b2 = new float[0];
        float[] row = new float[0];
        final float[] tile = new float[MR * NR];

        float[] row(int size) {
            if (row.length < size) {
                row = new float[size];
            }
            return row;
        }

        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        float[] b(int size) {
            if (b.length < size + ALIGN_SLACK) {
                b = new float[size + ALIGN_SLACK];
            }
            return b;
        }

        float[] b2(int size) {
            if (b2.length < size + ALIGN_SLACK) {
                b2 = new float[size + ALIGN_SLACK];
            }
            return b2;
        }
    }

    /**
     * Progress of one M-split call, shared by its threads. Steps are its (N block, K block) pairs in order; step s
     * packs op(B) into {@code bufs[s & 1]}. A thread computes blocks of step s once every panel of s is packed (and,
     * when s continues the previous step's K sum, once every block of s - 1 is done), and packs step s + 1 only
     * once every block of step s - 1 is done (that buffer is then free). Tickets (panels, then blocks) are
     * numbered consecutively across steps, so a thread arriving late finds old steps' tickets gone and skips
     * ahead. Waits block on this object's monitor; a failure wakes every waiter.
     */
    private static final class Progress {
        final float[][] bufs;
        final int[] aligns;                 // first float of each buffer's panels (see HeapAlignment)
        final int mcB;                      // rows per M block
        final int mBlocks;                  // M blocks per step
        final AtomicInteger packNext = new AtomicInteger();
        final AtomicInteger blockNext = new AtomicInteger();
        private final int[] panelsPacked;   // per step
        private final int[] blocksDone;     // per step
        private Throwable failure;

        Progress(float[][] bufs, int[] aligns, int steps, int mcB, int mBlocks) {
            this.bufs = bufs;
            this.aligns = aligns;
            this.mcB = mcB;
            this.mBlocks = mBlocks;
            this.panelsPacked = new int[steps];
            this.blocksDone = new int[steps];
        }

        synchronized void panelPacked(int step) {
            panelsPacked[step]++;
            notifyAll();
        }

        synchronized void blockDone(int step) {
            blocksDone[step]++;
            notifyAll();
        }

        synchronized void awaitPanels(int step, int panels) {
            while (panelsPacked[step] < panels) {
                await();
            }
        }

        synchronized void awaitBlocks(int step) {
            while (blocksDone[step] < mBlocks) {
                await();
            }
        }

        /** Every step's blocks, for the caller before it returns (a slow thread may still be in an older step). */
        synchronized void awaitAllBlocks() {
            for (int s = 0; s < blocksDone.length; s++) {
                awaitBlocks(s);
            }
        }

        synchronized void fail(Throwable t) {
            if (failure == null) {
                failure = t;
            }
            notifyAll();
        }

        synchronized Throwable failure() {
            return failure;
        }

        private void await() {
            if (failure != null) {
                throw new IllegalStateException("another sgemm thread failed", failure);
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("sgemm interrupted", e);
            }
            if (failure != null) {
                throw new IllegalStateException("another sgemm thread failed", failure);
            }
        }
    }

    /** Claims the next ticket below {@code end}, or returns -1 when none is left (the counter then stays at end). */
    private static int claim(AtomicInteger counter, int end) {
        while (true) {
            int v = counter.get();
            if (v >= end) {
                return -1;
            }
            if (counter.compareAndSet(v, v + 1)) {
                return v;
            }
        }
    }

    /** One call's arguments; {@link #run} computes the C block [i0, i1) x [j0, j1). */
    private record Problem(Blocking bl, boolean transA, boolean transB, int k, float alpha,
                           MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                           float beta, MemorySegment c, long cOff, int ldc) {

        /** K block size: balanced, e.g. k = 1024 with kc = 768 runs as 2 x 512 rather than 768 + 256. */
        int kcMax() {
            int kBlocks = (k + bl.kc() - 1) / bl.kc();
            return Math.min(k, roundUp((k + kBlocks - 1) / kBlocks, 8));
        }

        /** Computes C[i0:i1, j0:j1] on the calling thread with its own packing buffers. */
        void run(int i0, int i1, int j0, int j1) {
            Buffers buf = BUFFERS.get();
            int kcMax = kcMax();
            int nC = bl.nc(), mC = bl.mc();
            int ncMax = Math.min(nC, roundUp(j1 - j0, NR));
            int mcMax = Math.min(mC, roundUp(i1 - i0, MR));
            float[] bp = buf.b(kcMax * ncMax);
            int bAlign = HeapAlignment.floatsToAlign(bp, VECTOR_BYTES);
            float[] ap = buf.a(kcMax * mcMax);
            for (int jc = j0; jc < j1; jc += nC) {
                int nc = Math.min(nC, j1 - jc);
                int panels = (nc + NR - 1) / NR;
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    int mode = pc > 0 ? ACCUMULATE : beta == 0f ? OVERWRITE : beta == 1f ? ACCUMULATE : SCALE;
                    packB(bp, bAlign, pc, kc, jc, nc, 0, panels);
                    for (int ic = i0; ic < i1; ic += mC) {
                        int mc = Math.min(mC, i1 - ic);
                        packA(buf, ap, ic, mc, pc, kc);
                        macro(buf, ap, bp, bAlign, ic, mc, jc, nc, kc, mode);
                    }
                }
            }
        }

        /** Number of (N block, K block) steps over C [0, m) x [0, n). */
        int steps(int n) {
            return ((n + bl.nc() - 1) / bl.nc()) * ((k + kcMax() - 1) / kcMax());
        }

        /**
         * Balanced M blocks of at most mc rows, at least 8 per thread while blocks keep 16 rows or more: threads
         * meet at every K block, and with more (smaller) blocks the last one to finish keeps the other waiting
         * for less. E.g. m = 1024 on 2 threads runs as 16 x 64 rather than 8 x 128.
         */
        int mBlock(int m, int threads) {
            int mC = bl.mc();
            int blocks = Math.max((m + mC - 1) / mC, Math.min(8 * threads, m / 16));
            return Math.min(roundUp((m + blocks - 1) / blocks, MR), mC);
        }

        /** One thread's part of an M-split call over all of C [0, m) x [0, n); see {@link Progress}. */
        void runShared(int m, int n, Progress pg) {
            try {
                Buffers buf = BUFFERS.get();
                int kcMax = kcMax();
                int mBlocks = pg.mBlocks;
                int mcB = pg.mcB;
                float[] ap = buf.a(kcMax * mcB);
                int packBase = 0;
                int blockBase = 0;
                int step = 0;
                for (int jc = 0; jc < n; jc += bl.nc()) {
                    int nc = Math.min(bl.nc(), n - jc);
                    int panels = (nc + NR - 1) / NR;
                    for (int pc = 0; pc < k; pc += kcMax, step++) {
                        int kc = Math.min(kcMax, k - pc);
                        int mode = pc > 0 ? ACCUMULATE : beta == 0f ? OVERWRITE : beta == 1f ? ACCUMULATE : SCALE;
                        float[] bp = pg.bufs[step & 1];
                        int bAlign = pg.aligns[step & 1];
                        boolean bufferFree = step < 2;
                        for (int q; (q = claim(pg.packNext, packBase + panels)) >= 0; ) {
                            if (!bufferFree) {
                                pg.awaitBlocks(step - 2); // the last user of this buffer
                                bufferFree = true;
                            }
                            packB(bp, bAlign, pc, kc, jc, nc, q - packBase, q - packBase + 1);
                            pg.panelPacked(step);
                        }
                        packBase += panels;
                        pg.awaitPanels(step, panels);
                        if (pc > 0) {
                            pg.awaitBlocks(step - 1); // a later K block adds to C blocks the previous one wrote
                        }
                        for (int q; (q = claim(pg.blockNext, blockBase + mBlocks)) >= 0; ) {
                            int ic = (q - blockBase) * mcB;
                            int mc = Math.min(mcB, m - ic);
                            packA(buf, ap, ic, mc, pc, kc);
                            macro(buf, ap, bp, bAlign, ic, mc, jc, nc, kc, mode);
                            pg.blockDone(step);
                        }
                        blockBase += mBlocks;
                    }
                }
            } catch (RuntimeException | Error e) {
                pg.fail(e); // wakes the other threads, whose waits then fail instead of hanging
                throw e;
            }
        }

        /** Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-wide panels from bp[first]: bp[first + panel][p][NR]. */
        private void packB(float[] bp, int first, int pc, int kc, int jc, int nc, int fromPanel, int toPanel) {
            if (!transB) {
                // op(B)[p][j] = b[p*ldb + j]: each panel row is NR contiguous floats.
                for (int jp = fromPanel; jp < toPanel; jp++) {
                    int j = jc + jp * NR;
                    int w = Math.min(NR, jc + nc - j);
                    int base = first + jp * kc * NR;
                    if (w == NR) {
                        for (int p = 0; p < kc; p++) {
                            long src = (bOff + (long) (pc + p) * ldb + j) * Float.BYTES;
                            int dst = base + p * NR;
                            for (int v = 0; v < NR; v += VL) {
                                FloatVector.fromMemorySegment(S, b, src + (long) v * Float.BYTES, NO).intoArray(bp, dst + v);
                            }
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            long src = bOff + (long) (pc + p) * ldb + j;
                            int dst = base + p * NR;
                            MemorySegment.copy(b, ValueLayout.JAVA_FLOAT, src * Float.BYTES, bp, dst, w);
                            for (int jj = w; jj < NR; jj++) {
                                bp[dst + jj] = 0f;
                            }
                        }
                    }
                }
            } else {
                // op(B)[p][j] = b[j*ldb + p]: a panel is NR stored rows (fixed j, contiguous p) interleaved.
                for (int jp = fromPanel; jp < toPanel; jp++) {
                    int j = jc + jp * NR;
                    interleave(b, bOff + (long) j * ldb + pc, ldb, Math.min(NR, jc + nc - j), NR, kc, 1f, bp, first + jp * kc * NR);
                }
            }
        }

        /** Packs alpha * op(A)[ic:ic+mc, pc:pc+kc] into MR-tall panels: ap[panel][p][MR]. */
        private void packA(Buffers buf, float[] ap, int ic, int mc, int pc, int kc) {
            int panels = (mc + MR - 1) / MR;
            float alpha = this.alpha;
            if (!transA) {
                // op(A)[i][p] = a[i*lda + p]: a panel is MR stored rows (fixed i, contiguous p) interleaved.
                for (int ip = 0; ip < panels; ip++) {
                    int i = ic + ip * MR;
                    interleave(a, aOff + (long) i * lda + pc, lda, Math.min(MR, ic + mc - i), MR, kc, alpha, ap, ip * kc * MR);
                }
            } else {
                // op(A)[i][p] = a[p*lda + i]: for fixed p the mc values of i are contiguous. They are vector-copied
                // into a heap row first, so that the scatter into the panels runs without segment bounds checks.
                // (Copying a chunk of rows and writing each panel a contiguous run of depths measured no faster.)
                float[] row = buf.row(roundUp(mc, VL));
                int full = mc / MR;
                for (int p = 0; p < kc; p++) {
                    copyRow(a, aOff + (long) (pc + p) * lda + ic, mc, row);
                    int d = p * MR;
                    for (int ip = 0; ip < full; ip++, d += kc * MR) {
                        for (int ii = 0; ii < MR; ii++) {
                            ap[d + ii] = alpha * row[ip * MR + ii];
                        }
                    }
                    if (full * MR < mc) {
                        for (int ii = 0; ii < MR; ii++) {
                            int r = full * MR + ii;
                            ap[d + ii] = r < mc ? alpha * row[r] : 0f;
                        }
                    }
                }
            }
        }

        private void macro(Buffers buf, float[] ap, float[] bp, int bFirst, int ic, int mc, int jc, int nc, int kc, int mode) {
            float[] tile = buf.tile;
            for (int jr = 0; jr < nc; jr += NR) {
                int w = Math.min(NR, nc - jr);
                int bBase = bFirst + (jr / NR) * kc * NR;
                for (int ir = 0; ir < mc; ir += MR) {
                    int h = Math.min(MR, mc - ir);
                    int aBase = (ir / MR) * kc * MR;
                    long cIdx = cOff + (long) (ic + ir) * ldc + jc + jr;
                    if (h == MR && w == NR && mode == OVERWRITE) {
                        kernelSet(kc, ap, aBase, bp, bBase, c, cIdx * Float.BYTES, (long) ldc * Float.BYTES);
                    } else if (h == MR && w == NR && mode == ACCUMULATE) {
                        kernelAdd(kc, ap, aBase, bp, bBase, c, cIdx * Float.BYTES, (long) ldc * Float.BYTES);
                    } else {
                        kernel(kc, ap, aBase, bp, bBase, tile);
                        flush(tile, h, w, c, cIdx, ldc, mode, beta);
                    }
                }
            }
        }
    }

    /**
     * dst[base + p*width + r] = scale * src[first + r*stride + p] for r < rows, 0 for rows <= r < width, p < kc:
     * {@code rows} stored rows read straight from the segment, interleaved into one packed panel. The depth runs in
     * chunks of {@link #INTERLEAVE_CHUNK}: a whole op(B) panel (kc x NR floats, 64 KB at kc = 683) does not fit in
     * L1, and writing it one stored row at a time missed L1 on every store, NR times over; a chunk of the panel
     * (6 KB) stays in L1 while all its rows are written. (Copying each row into a heap array first measured slower,
     * unlike in the transposed-A packing, whose scatter is shorter per copied element.)
     */
    private static void interleave(MemorySegment src, long first, int stride, int rows, int width, int kc, float scale,
                                   float[] dst, int base) {
        for (int p0 = 0; p0 < kc; p0 += INTERLEAVE_CHUNK) {
            int p1 = Math.min(kc, p0 + INTERLEAVE_CHUNK);
            for (int r = 0; r < rows; r++) {
                long row = first + (long) r * stride;
                for (int p = p0, d = base + p0 * width + r; p < p1; p++, d += width) {
                    dst[d] = scale * src.getAtIndex(FLOAT, row + p);
                }
            }
            for (int r = rows; r < width; r++) {
                for (int p = p0, d = base + p0 * width + r; p < p1; p++, d += width) {
                    dst[d] = 0f;
                }
            }
        }
    }

    /** row[0:n] = src[from:from+n] (element offsets); row must hold n rounded up to a vector. */
    private static void copyRow(MemorySegment src, long from, int n, float[] row) {
        long byteOff = from * Float.BYTES;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += VL) {
            FloatVector.fromMemorySegment(S, src, byteOff + (long) i * Float.BYTES, NO).intoArray(row, i);
        }
        for (; i < n; i++) {
            row[i] = src.get(FLOAT, byteOff + (long) i * Float.BYTES);
        }
    }

    // Each tile shape has three flavours that repeat the same K loop and differ only in where the sums go: the
    // tile array (edges, general beta), C stored (Set) or C added to (Add). The loop cannot be shared: a helper
    // cannot return nine vectors without boxing them, and one kernel with a mode switch in its epilogue was
    // deoptimized by C2 when the second mode first appeared and recompiled to ~7 GFLOP/s in half the runs.
    private static void kernel(int kc, float[] ap, int aBase, float[] bp, int bBase, float[] tile) {
        switch (KERNEL) {
            case 33 -> kernel3x3(kc, ap, aBase, bp, bBase, tile);
            case 44 -> kernel4x4(kc, ap, aBase, bp, bBase, tile);
            default -> throw new AssertionError(KERNEL); // checkedKernel admits only the cases above
        }
    }

    private static void kernelSet(int kc, float[] ap, int aBase, float[] bp, int bBase,
                                  MemorySegment c, long cByte, long ldcByte) {
        switch (KERNEL) {
            case 33 -> kernel3x3Set(kc, ap, aBase, bp, bBase, c, cByte, ldcByte);
            case 44 -> kernel4x4Set(kc, ap, aBase, bp, bBase, c, cByte, ldcByte);
            default -> throw new AssertionError(KERNEL); // checkedKernel admits only the cases above
        }
    }

    private static void kernelAdd(int kc, float[] ap, int aBase, float[] bp, int bBase,
                                  MemorySegment c, long cByte, long ldcByte) {
        switch (KERNEL) {
            case 33 -> kernel3x3Add(kc, ap, aBase, bp, bBase, c, cByte, ldcByte);
            case 44 -> kernel4x4Add(kc, ap, aBase, bp, bBase, c, cByte, ldcByte);
            default -> throw new AssertionError(KERNEL); // checkedKernel admits only the cases above
        }
    }

    /** 3 rows x 3 vectors over one K block; writes the raw sums to tile (row stride NR). */
    private static void kernel3x3(int kc, float[] ap, int aBase, float[] bp, int bBase, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z;
        FloatVector c10 = z, c11 = z, c12 = z;
        FloatVector c20 = z, c21 = z, c22 = z;
        for (int ai = aBase, bi = bBase, aEnd = aBase + 3 * kc; ai < aEnd; ai += 3, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
        }
        c00.intoArray(tile, 0 * NR + 0 * VL);
        c01.intoArray(tile, 0 * NR + 1 * VL);
        c02.intoArray(tile, 0 * NR + 2 * VL);
        c10.intoArray(tile, 1 * NR + 0 * VL);
        c11.intoArray(tile, 1 * NR + 1 * VL);
        c12.intoArray(tile, 1 * NR + 2 * VL);
        c20.intoArray(tile, 2 * NR + 0 * VL);
        c21.intoArray(tile, 2 * NR + 1 * VL);
        c22.intoArray(tile, 2 * NR + 2 * VL);
    }

    /** 3 rows x 3 vectors over one K block; stores the sums into C (C is not read). */
    private static void kernel3x3Set(int kc, float[] ap, int aBase, float[] bp, int bBase,
                               MemorySegment c, long cByte, long ldcByte) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z;
        FloatVector c10 = z, c11 = z, c12 = z;
        FloatVector c20 = z, c21 = z, c22 = z;
        for (int ai = aBase, bi = bBase, aEnd = aBase + 3 * kc; ai < aEnd; ai += 3, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
        }
        long vb = (long) VL * Float.BYTES;
        long row0 = cByte;
        c00.intoMemorySegment(c, row0 + 0 * vb, NO);
        c01.intoMemorySegment(c, row0 + 1 * vb, NO);
        c02.intoMemorySegment(c, row0 + 2 * vb, NO);
        long row1 = cByte + 1 * ldcByte;
        c10.intoMemorySegment(c, row1 + 0 * vb, NO);
        c11.intoMemorySegment(c, row1 + 1 * vb, NO);
        c12.intoMemorySegment(c, row1 + 2 * vb, NO);
        long row2 = cByte + 2 * ldcByte;
        c20.intoMemorySegment(c, row2 + 0 * vb, NO);
        c21.intoMemorySegment(c, row2 + 1 * vb, NO);
        c22.intoMemorySegment(c, row2 + 2 * vb, NO);
    }

    /** 3 rows x 3 vectors over one K block; adds the sums to C. */
    private static void kernel3x3Add(int kc, float[] ap, int aBase, float[] bp, int bBase,
                               MemorySegment c, long cByte, long ldcByte) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z;
        FloatVector c10 = z, c11 = z, c12 = z;
        FloatVector c20 = z, c21 = z, c22 = z;
        for (int ai = aBase, bi = bBase, aEnd = aBase + 3 * kc; ai < aEnd; ai += 3, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
        }
        long vb = (long) VL * Float.BYTES;
        long row0 = cByte;
        c00.add(FloatVector.fromMemorySegment(S, c, row0 + 0 * vb, NO)).intoMemorySegment(c, row0 + 0 * vb, NO);
        c01.add(FloatVector.fromMemorySegment(S, c, row0 + 1 * vb, NO)).intoMemorySegment(c, row0 + 1 * vb, NO);
        c02.add(FloatVector.fromMemorySegment(S, c, row0 + 2 * vb, NO)).intoMemorySegment(c, row0 + 2 * vb, NO);
        long row1 = cByte + 1 * ldcByte;
        c10.add(FloatVector.fromMemorySegment(S, c, row1 + 0 * vb, NO)).intoMemorySegment(c, row1 + 0 * vb, NO);
        c11.add(FloatVector.fromMemorySegment(S, c, row1 + 1 * vb, NO)).intoMemorySegment(c, row1 + 1 * vb, NO);
        c12.add(FloatVector.fromMemorySegment(S, c, row1 + 2 * vb, NO)).intoMemorySegment(c, row1 + 2 * vb, NO);
        long row2 = cByte + 2 * ldcByte;
        c20.add(FloatVector.fromMemorySegment(S, c, row2 + 0 * vb, NO)).intoMemorySegment(c, row2 + 0 * vb, NO);
        c21.add(FloatVector.fromMemorySegment(S, c, row2 + 1 * vb, NO)).intoMemorySegment(c, row2 + 1 * vb, NO);
        c22.add(FloatVector.fromMemorySegment(S, c, row2 + 2 * vb, NO)).intoMemorySegment(c, row2 + 2 * vb, NO);
    }

    /** 4 rows x 4 vectors over one K block; writes the raw sums to tile (row stride NR). */
    private static void kernel4x4(int kc, float[] ap, int aBase, float[] bp, int bBase, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        for (int ai = aBase, bi = bBase, aEnd = aBase + 4 * kc; ai < aEnd; ai += 4, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            c03 = b3.fma(a0, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            c13 = b3.fma(a1, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            c23 = b3.fma(a2, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
            c33 = b3.fma(a3, c33);
        }
        c00.intoArray(tile, 0 * NR + 0 * VL);
        c01.intoArray(tile, 0 * NR + 1 * VL);
        c02.intoArray(tile, 0 * NR + 2 * VL);
        c03.intoArray(tile, 0 * NR + 3 * VL);
        c10.intoArray(tile, 1 * NR + 0 * VL);
        c11.intoArray(tile, 1 * NR + 1 * VL);
        c12.intoArray(tile, 1 * NR + 2 * VL);
        c13.intoArray(tile, 1 * NR + 3 * VL);
        c20.intoArray(tile, 2 * NR + 0 * VL);
        c21.intoArray(tile, 2 * NR + 1 * VL);
        c22.intoArray(tile, 2 * NR + 2 * VL);
        c23.intoArray(tile, 2 * NR + 3 * VL);
        c30.intoArray(tile, 3 * NR + 0 * VL);
        c31.intoArray(tile, 3 * NR + 1 * VL);
        c32.intoArray(tile, 3 * NR + 2 * VL);
        c33.intoArray(tile, 3 * NR + 3 * VL);
    }

    /** 4 rows x 4 vectors over one K block; stores the sums into C (C is not read). */
    private static void kernel4x4Set(int kc, float[] ap, int aBase, float[] bp, int bBase,
                               MemorySegment c, long cByte, long ldcByte) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        for (int ai = aBase, bi = bBase, aEnd = aBase + 4 * kc; ai < aEnd; ai += 4, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            c03 = b3.fma(a0, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            c13 = b3.fma(a1, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            c23 = b3.fma(a2, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
            c33 = b3.fma(a3, c33);
        }
        long vb = (long) VL * Float.BYTES;
        long row0 = cByte;
        c00.intoMemorySegment(c, row0 + 0 * vb, NO);
        c01.intoMemorySegment(c, row0 + 1 * vb, NO);
        c02.intoMemorySegment(c, row0 + 2 * vb, NO);
        c03.intoMemorySegment(c, row0 + 3 * vb, NO);
        long row1 = cByte + 1 * ldcByte;
        c10.intoMemorySegment(c, row1 + 0 * vb, NO);
        c11.intoMemorySegment(c, row1 + 1 * vb, NO);
        c12.intoMemorySegment(c, row1 + 2 * vb, NO);
        c13.intoMemorySegment(c, row1 + 3 * vb, NO);
        long row2 = cByte + 2 * ldcByte;
        c20.intoMemorySegment(c, row2 + 0 * vb, NO);
        c21.intoMemorySegment(c, row2 + 1 * vb, NO);
        c22.intoMemorySegment(c, row2 + 2 * vb, NO);
        c23.intoMemorySegment(c, row2 + 3 * vb, NO);
        long row3 = cByte + 3 * ldcByte;
        c30.intoMemorySegment(c, row3 + 0 * vb, NO);
        c31.intoMemorySegment(c, row3 + 1 * vb, NO);
        c32.intoMemorySegment(c, row3 + 2 * vb, NO);
        c33.intoMemorySegment(c, row3 + 3 * vb, NO);
    }

    /** 4 rows x 4 vectors over one K block; adds the sums to C. */
    private static void kernel4x4Add(int kc, float[] ap, int aBase, float[] bp, int bBase,
                               MemorySegment c, long cByte, long ldcByte) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        for (int ai = aBase, bi = bBase, aEnd = aBase + 4 * kc; ai < aEnd; ai += 4, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi + 0 * VL);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + 1 * VL);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * VL);
            FloatVector b3 = FloatVector.fromArray(S, bp, bi + 3 * VL);
            FloatVector a0 = FloatVector.broadcast(S, ap[ai + 0]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            c03 = b3.fma(a0, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            c13 = b3.fma(a1, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            c23 = b3.fma(a2, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
            c33 = b3.fma(a3, c33);
        }
        long vb = (long) VL * Float.BYTES;
        long row0 = cByte;
        c00.add(FloatVector.fromMemorySegment(S, c, row0 + 0 * vb, NO)).intoMemorySegment(c, row0 + 0 * vb, NO);
        c01.add(FloatVector.fromMemorySegment(S, c, row0 + 1 * vb, NO)).intoMemorySegment(c, row0 + 1 * vb, NO);
        c02.add(FloatVector.fromMemorySegment(S, c, row0 + 2 * vb, NO)).intoMemorySegment(c, row0 + 2 * vb, NO);
        c03.add(FloatVector.fromMemorySegment(S, c, row0 + 3 * vb, NO)).intoMemorySegment(c, row0 + 3 * vb, NO);
        long row1 = cByte + 1 * ldcByte;
        c10.add(FloatVector.fromMemorySegment(S, c, row1 + 0 * vb, NO)).intoMemorySegment(c, row1 + 0 * vb, NO);
        c11.add(FloatVector.fromMemorySegment(S, c, row1 + 1 * vb, NO)).intoMemorySegment(c, row1 + 1 * vb, NO);
        c12.add(FloatVector.fromMemorySegment(S, c, row1 + 2 * vb, NO)).intoMemorySegment(c, row1 + 2 * vb, NO);
        c13.add(FloatVector.fromMemorySegment(S, c, row1 + 3 * vb, NO)).intoMemorySegment(c, row1 + 3 * vb, NO);
        long row2 = cByte + 2 * ldcByte;
        c20.add(FloatVector.fromMemorySegment(S, c, row2 + 0 * vb, NO)).intoMemorySegment(c, row2 + 0 * vb, NO);
        c21.add(FloatVector.fromMemorySegment(S, c, row2 + 1 * vb, NO)).intoMemorySegment(c, row2 + 1 * vb, NO);
        c22.add(FloatVector.fromMemorySegment(S, c, row2 + 2 * vb, NO)).intoMemorySegment(c, row2 + 2 * vb, NO);
        c23.add(FloatVector.fromMemorySegment(S, c, row2 + 3 * vb, NO)).intoMemorySegment(c, row2 + 3 * vb, NO);
        long row3 = cByte + 3 * ldcByte;
        c30.add(FloatVector.fromMemorySegment(S, c, row3 + 0 * vb, NO)).intoMemorySegment(c, row3 + 0 * vb, NO);
        c31.add(FloatVector.fromMemorySegment(S, c, row3 + 1 * vb, NO)).intoMemorySegment(c, row3 + 1 * vb, NO);
        c32.add(FloatVector.fromMemorySegment(S, c, row3 + 2 * vb, NO)).intoMemorySegment(c, row3 + 2 * vb, NO);
        c33.add(FloatVector.fromMemorySegment(S, c, row3 + 3 * vb, NO)).intoMemorySegment(c, row3 + 3 * vb, NO);
    }

    /** Writes tile rows [0, h) x columns [0, w) into C (element index cIdx, row stride ldc) in mode. */
    private static void flush(float[] tile, int h, int w, MemorySegment c, long cIdx, int ldc, int mode, float beta) {
        int wv = w == NR ? NR : 0;
        for (int r = 0; r < h; r++) {
            long row = (cIdx + (long) r * ldc) * Float.BYTES;
            int t = r * NR;
            for (int j = 0; j < wv; j += VL) {
                FloatVector v = FloatVector.fromArray(S, tile, t + j);
                long off = row + (long) j * Float.BYTES;
                if (mode == ACCUMULATE) {
                    v = v.add(FloatVector.fromMemorySegment(S, c, off, NO));
                } else if (mode == SCALE) {
                    v = FloatVector.fromMemorySegment(S, c, off, NO).mul(beta).add(v);
                }
                v.intoMemorySegment(c, off, NO);
            }
            for (int j = wv; j < w; j++) {
                long off = row + (long) j * Float.BYTES;
                float v = tile[t + j];
                if (mode == ACCUMULATE) {
                    v += c.get(ValueLayout.JAVA_FLOAT, off);
                } else if (mode == SCALE) {
                    v += beta * c.get(ValueLayout.JAVA_FLOAT, off);
                }
                c.set(ValueLayout.JAVA_FLOAT, off, v);
            }
        }
    }
}
