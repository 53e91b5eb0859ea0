package dev.redengine.bench;

import dev.redengine.backend.cpu.Sgemm;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times {@link Sgemm} outside JMH, for tools/matmul_vs_openblas.py. Prints ONE JSON line:
 * {@code {"results":[{"m":..,"k":..,"n":..,"trans":"NN","threads":1,"times_s":[..],"median_s":..,
 * "gflops_median":..,"gflops_best":..,"gflops_cpu_best":..}, ...]}}. gflops_cpu_best divides by the caller
 * thread's CPU time (meaningful for threads == 1 only). GFLOP/s = 2*m*n*k / time / 1e9.
 *
 * <p>Usage: {@code MatmulTimer [--shapes MxKxN,...] [--trans NN,NT,TN] [--threads 1,2] [--reps 5]
 * [--warmup-ms 1000] [--blocking kc:mc:nc,...]}. Several blockings are timed alternately, call by call, in the
 * same JVM: the fair way to compare them on a noisy host. Shapes are m x k x n: op(A) [m, k], op(B) [k, n], C [m, n].
 */
public final class MatmulTimer {
    /** Caller-thread CPU time: with threads == 1, a contention-robust measure for tuning (gflops_cpu_best). */
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        String shapes = "1024x1024x1024";
        String trans = "NN";
        String threads = "1";
        int reps = 5;
        long warmupMs = 1000;
        String blockings = Sgemm.DEFAULT_BLOCKING.toString();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shapes" -> shapes = args[++i];
                case "--trans" -> trans = args[++i];
                case "--threads" -> threads = args[++i];
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
                case "--blocking" -> blockings = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        List<String> out = new ArrayList<>();
        warmUp(warmupMs);
        for (String th : threads.split(",")) {
            List<Sgemm> gemms = new ArrayList<>();
            for (String bl : blockings.split(",")) {
                gemms.add(new Sgemm(Integer.parseInt(th.trim()), Sgemm.Blocking.parse(bl)));
            }
            for (String shape : shapes.split(",")) {
                String[] d = shape.trim().split("x");
                int m = Integer.parseInt(d[0]), k = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]);
                for (String t : trans.split(",")) {
                    out.addAll(time(gemms, m, k, n, t.trim(), reps, warmupMs));
                }
            }
            gemms.forEach(Sgemm::close);
        }
        System.out.println("{\"results\":[" + String.join(",", out) + "]}");
    }

    /** JIT warm-up of every transpose path (and the full-tile, edge-tile and accumulate kernels) before timing. */
    private static void warmUp(long warmupMs) {
        Sgemm one = new Sgemm(1);
        long end = System.nanoTime() + 2 * warmupMs * 1_000_000L;
        try (Arena arena = Arena.ofShared()) {
            int m = 301, n = 299, k = 1100;
            MemorySegment a = random(arena, (long) m * k, 3);
            MemorySegment b = random(arena, (long) k * n, 4);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES, 64);
            do {
                for (int t = 0; t < 4; t++) {
                    boolean ta = t >= 2, tb = (t & 1) == 1;
                    one.sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
                }
            } while (System.nanoTime() < end);
        }
    }

    /**
     * Times one shape with every blocking: after a shared warm-up, each rep calls every blocking once in turn, so
     * that a slow phase of the host hits them all alike. Returns one JSON object per blocking.
     */
    private static List<String> time(List<Sgemm> gemms, int m, int k, int n, String trans, int reps, long warmupMs) {
        boolean ta = trans.charAt(0) == 'T', tb = trans.charAt(1) == 'T';
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = random(arena, (long) m * k, 1);
            MemorySegment b = random(arena, (long) k * n, 2);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES, 64);
            int lda = ta ? m : k, ldb = tb ? k : n;
            List<Runnable> calls = new ArrayList<>();
            for (Sgemm gemm : gemms) {
                calls.add(() -> gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n));
            }
            long end = System.nanoTime() + warmupMs * 1_000_000L;
            int w = 0;
            do {
                calls.forEach(Runnable::run);
                w++;
            } while (System.nanoTime() < end || w < 2);
            double[][] times = new double[gemms.size()][reps];
            double[] cpuBest = new double[gemms.size()];
            Arrays.fill(cpuBest, Double.MAX_VALUE);
            for (int r = 0; r < reps; r++) {
                for (int g = 0; g < gemms.size(); g++) {
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    calls.get(g).run();
                    times[g][r] = (System.nanoTime() - t0) / 1e9;
                    cpuBest[g] = Math.min(cpuBest[g], (THREADS.getCurrentThreadCpuTime() - c0) / 1e9);
                }
            }
            List<String> out = new ArrayList<>();
            for (int g = 0; g < gemms.size(); g++) {
                out.add(json(gemms.get(g), m, k, n, trans, times[g], cpuBest[g]));
            }
            return out;
        }
    }

    private static String json(Sgemm gemm, int m, int k, int n, String trans, double[] times, double cpuBest) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted[times.length / 2];
        double flop = 2.0 * m * n * k;
        StringBuilder ts = new StringBuilder();
        for (int r = 0; r < times.length; r++) {
            ts.append(r == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", times[r]));
        }
        return String.format(Locale.ROOT,
                "{\"m\":%d,\"k\":%d,\"n\":%d,\"trans\":\"%s\",\"threads\":%d,\"tile\":\"%s\",\"blocking\":\"%s\",\"times_s\":[%s],"
                        + "\"median_s\":%.6f,\"gflops_median\":%.2f,\"gflops_best\":%.2f,\"gflops_cpu_best\":%.2f}",
                m, k, n, trans, gemm.threads(), Sgemm.tile(), gemm.blocking(), ts, median, flop / median / 1e9,
                flop / sorted[0] / 1e9, flop / cpuBest / 1e9);
    }

    private static MemorySegment random(Arena arena, long count, long seed) {
        MemorySegment s = arena.allocate(count * Float.BYTES, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return s;
    }
}
