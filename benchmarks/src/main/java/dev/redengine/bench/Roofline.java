package dev.redengine.bench;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.backend.cpu.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prints the non-matmul ops (and optionally the training step) as a table against this machine's memory
 * bandwidth, measured in the same run with a STREAM-like copy and triad (Vector API, ordinary stores, as
 * the ops use). For memory-bound ops the copy bandwidth at the same thread count is the roofline.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *       dev.redengine.bench.Roofline [ops] [train] [--threads 1,2] [--seconds 2] [--only REGEX]
 *       [--batch 4] [--seq 256] [--steps 2]
 * </pre>
 * Each op: warm up for a second, then call it for --seconds (at least 3 calls) and report the median call.
 */
public final class Roofline {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.nativeOrder();

    public static void main(String[] args) throws Exception {
        boolean ops = false, train = false;
        int[] threads = {1, 2};
        double seconds = 2;
        String only = ".*";
        int batch = 4, seq = 256, steps = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "ops" -> ops = true;
                case "train" -> train = true;
                case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--only" -> only = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!ops && !train) {
            ops = true;
        }
        System.out.printf("CPU: %s, %d cores visible, Vector API %d-bit, %s%n", cpuModel(),
                Runtime.getRuntime().availableProcessors(), Simd.lanes() * 32, Runtime.version());
        double[] copyGbs = new double[threads.length];
        System.out.println();
        System.out.println("STREAM-like bandwidth (2 x 256 MiB native float arrays, best of 5; copy counts 2 x bytes, triad 3 x)");
        System.out.printf("%-8s %12s %12s%n", "threads", "copy GB/s", "triad GB/s");
        for (int i = 0; i < threads.length; i++) {
            double[] bw = stream(threads[i]);
            copyGbs[i] = bw[0];
            System.out.printf("%-8d %12.1f %12.1f%n", threads[i], bw[0], bw[1]);
        }
        if (ops) {
            System.out.println();
            System.out.printf("%-18s %-30s %3s %10s %9s %8s %9s%n", "op", "size", "thr", "ms/call", "GB/s", "%copy", "GFLOP/s");
            for (int ti = 0; ti < threads.length; ti++) {
                try (CpuBackend be = new CpuBackend(threads[ti])) {
                    for (String spec : OpCases.DEFAULT) {
                        if (!spec.matches(only)) {
                            continue;
                        }
                        OpCases.OpCase c = OpCases.of(be, spec);
                        double sec = medianSeconds(c.run(), seconds);
                        double gbs = c.bytes() / sec / 1e9;
                        System.out.printf("%-18s %-30s %3d %10.3f %9.2f %7.0f%% %9s%n", c.name(), c.dims(), threads[ti],
                                sec * 1e3, gbs, 100 * gbs / copyGbs[ti],
                                c.flops() > 0 ? String.format("%.2f", c.flops() / sec / 1e9) : "-");
                    }
                }
            }
        }
        if (train) {
            for (int t : threads) {
                trainStep(t, batch, seq, steps);
            }
        }
    }

    static void trainStep(int threads, int batch, int seq, int steps) {
        try (CpuBackend cpu = new CpuBackend(threads)) {
            TimingBackend be = new TimingBackend(cpu);
            TrainStep step = new TrainStep(be, batch, seq);
            System.out.println();
            System.out.printf("Train step, 10M Llama (d=256, L=8, H=8, KV=4, D=32, F=704, V=8192, untied): %d params, "
                            + "%d in matmuls; B=%d T=%d (%d tokens), %d threads%n", step.paramsTotal(), step.paramsMatmul(),
                    batch, seq, step.tokens(), threads);
            step.step(); // warm-up
            be.reset();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                step.step();
            }
            double sec = (System.nanoTime() - t0) / 1e9 / steps;
            double flops = step.flops();
            double matmulFlops = 6.0 * step.paramsMatmul() * step.tokens();
            System.out.printf("  step %.3f s, %.0f tokens/s, %.2f GFLOP/s (6*P_matmul*N + attention = %.2f GFLOP/step; "
                            + "with 6*P_total*N: %.2f GFLOP/s)%n", sec, step.tokens() / sec, flops / sec / 1e9, flops / 1e9,
                    step.flopsAllParams() / sec / 1e9);
            System.out.printf("  %-18s %10s %7s %7s%n", "op", "ms/step", "calls", "share");
            double matmulSec = 0, total = 0;
            for (Map.Entry<String, long[]> e : be.nanos.entrySet()) {
                total += e.getValue()[0] / 1e9 / steps;
            }
            for (Map.Entry<String, long[]> e : be.nanos.entrySet()) {
                double s = e.getValue()[0] / 1e9 / steps;
                if (e.getKey().equals("matmul")) {
                    matmulSec = s;
                }
                System.out.printf("  %-18s %10.2f %7d %6.1f%%%n", e.getKey(), s * 1e3, e.getValue()[1] / steps, 100 * s / sec);
            }
            System.out.printf("  %-18s %10.2f %7s %6.1f%%%n", "(outside ops)", (sec - total) * 1e3, "", 100 * (sec - total) / sec);
            System.out.printf("  matmul by shape (op(A) [m, k] x op(B) [k, n]):%n  %-20s %10s %7s %9s%n", "trans m x k x n", "ms/step", "calls", "GFLOP/s");
            for (Map.Entry<String, long[]> e : be.matmulShapes.entrySet()) {
                long[] acc = e.getValue(); // {nanos, calls, flops per call}
                System.out.printf("  %-20s %10.2f %7d %9.1f%n", e.getKey(), acc[0] / 1e6 / steps, acc[1] / steps,
                        (double) acc[2] * acc[1] / acc[0]);
            }
            double matmulGflops = matmulFlops / matmulSec / 1e9;
            double other = sec - matmulSec;
            System.out.printf("  matmul inside the step: %.2f GFLOP/s; step / matmul = %.0f%%; non-matmul time %.1f ms/step%n",
                    matmulGflops, 100 * (flops / sec / 1e9) / matmulGflops, other * 1e3);
            // step GFLOP/s / matmul GFLOP/s = flops / (matmulFlops + X * other) >= 1/2  <=>  X <= (2 flops - matmulFlops) / other
            System.out.printf("  with the non-matmul time as now, the step stays >= 50%% of the matmul's GFLOP/s for a matmul "
                    + "up to %.1f GFLOP/s%n", (2 * flops - matmulFlops) / other / 1e9);
        }
    }

    /** Median seconds per call after ~1 s of warm-up, over at least `seconds` and 3 calls. */
    static double medianSeconds(Runnable r, double seconds) {
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        int warm = 0;
        while (warm < 2 || System.nanoTime() < warmEnd) {
            r.run();
            warm++;
        }
        List<Long> times = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (times.size() < 3 || System.nanoTime() < end) {
            long t0 = System.nanoTime();
            r.run();
            times.add(System.nanoTime() - t0);
        }
        times.sort(null);
        return times.get(times.size() / 2) / 1e9;
    }

    /** {copy GB/s, triad GB/s} with each thread on its own contiguous part of the arrays; best of 5. */
    static double[] stream(int threads) throws Exception {
        long n = 64L << 20; // floats per array: 256 MiB
        MemorySegment a = Arena.global().allocate(n * 4, 64), b = Arena.global().allocate(n * 4, 64),
                c = Arena.global().allocate(n * 4, 64);
        a.fill((byte) 1);
        b.fill((byte) 1);
        c.fill((byte) 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        double bestCopy = Double.MAX_VALUE, bestTriad = Double.MAX_VALUE;
        try {
            for (int rep = 0; rep < 6; rep++) {
                long t0 = System.nanoTime();
                parts(pool, threads, n, (from, to) -> copy(a, b, from, to));
                long t1 = System.nanoTime();
                parts(pool, threads, n, (from, to) -> triad(a, b, c, 3f, from, to));
                long t2 = System.nanoTime();
                if (rep > 0) { // the first pass warms up the JIT and the pages
                    bestCopy = Math.min(bestCopy, (t1 - t0) / 1e9);
                    bestTriad = Math.min(bestTriad, (t2 - t1) / 1e9);
                }
            }
        } finally {
            pool.shutdown();
        }
        return new double[] {2.0 * n * 4 / bestCopy / 1e9, 3.0 * n * 4 / bestTriad / 1e9};
    }

    interface Part {
        void run(long from, long to);
    }

    private static void parts(ExecutorService pool, int threads, long n, Part body) throws Exception {
        List<Future<?>> fs = new ArrayList<>();
        long chunk = n / threads;
        for (int t = 0; t < threads; t++) {
            long from = t * chunk, to = t == threads - 1 ? n : from + chunk;
            fs.add(pool.submit(() -> body.run(from, to)));
        }
        for (Future<?> f : fs) {
            f.get();
        }
    }

    private static void copy(MemorySegment dst, MemorySegment src, long from, long to) {
        for (long i = from; i < to; i += S.length()) {
            FloatVector.fromMemorySegment(S, src, i * 4, LE).intoMemorySegment(dst, i * 4, LE);
        }
    }

    private static void triad(MemorySegment a, MemorySegment b, MemorySegment c, float s, long from, long to) {
        for (long i = from; i < to; i += S.length()) {
            FloatVector.fromMemorySegment(S, c, i * 4, LE).fma(FloatVector.broadcast(S, s), FloatVector.fromMemorySegment(S, b, i * 4, LE))
                    .intoMemorySegment(a, i * 4, LE);
        }
    }

    private static String cpuModel() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
