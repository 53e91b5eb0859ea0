import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Paired A/B of two benchmarks jars on the same OpCases (e.g. the jar of an older commit against the current
 * one, across a change of the Backend contract that OpCases hides), in one JVM: each jar gets its own class
 * loader, so both sides are JIT-compiled separately but share the host's slow and fast phases. Per case, each
 * side is warmed up for 3 s, then every round times each side for SECONDS (median call), in ABBA order, and
 * gives one ratio B/A; the median of those paired ratios is the result.
 *
 * <pre>
 *   mvn -B -q package -DskipTests && cp benchmarks/target/benchmarks.jar /tmp/b.jar   (and /tmp/a.jar from the other commit)
 *   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED tools/OpsAB.java \
 *       /tmp/a.jar /tmp/b.jar THREADS ROUNDS SECONDS attention:1x1024x12x4x64 attentionBackward:1x1024x12x4x64 ...
 * </pre>
 * Cases are OpCases specs (op:dims, see OpCases.of), or train:BxT for one TrainStep (forward, loss, backward of
 * the 10M Llama). Prints ms per call of A and B (median over rounds), the median of the per-round ratios B/A,
 * and every round's ms.
 */
public class OpsAB {
    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: OpsAB.java A.jar B.jar THREADS ROUNDS SECONDS CASE...");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[2]), rounds = Integer.parseInt(args[3]);
        double seconds = Double.parseDouble(args[4]);
        Side[] sides = {new Side("A", Path.of(args[0]), threads), new Side("B", Path.of(args[1]), threads)};
        for (int i = 5; i < args.length; i++) {
            Runnable[] runs = {sides[0].op(args[i]), sides[1].op(args[i])};
            for (Runnable r : runs) {
                warm(r);
            }
            List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
            List<Double> ratios = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (int s = 0; s < 2; s++) {
                    int side = round % 2 == 0 ? s : 1 - s;
                    ms.get(side).add(medianSeconds(runs[side], seconds) * 1e3);
                }
                ratios.add(ms.get(1).get(round) / ms.get(0).get(round));
            }
            System.out.printf("%-34s thr %d  A %9.3f ms  B %9.3f ms  B/A %.3f  (A %s; B %s)%n", args[i], threads,
                    median(ms.get(0)), median(ms.get(1)), median(ratios), list(ms.get(0)), list(ms.get(1)));
        }
        for (Side s : sides) {
            s.close();
        }
    }

    private static String list(List<Double> x) {
        StringBuilder sb = new StringBuilder();
        for (double v : x) {
            sb.append(sb.isEmpty() ? "" : " ").append(String.format("%.2f", v));
        }
        return sb.toString();
    }

    private static double median(List<Double> x) {
        List<Double> s = new ArrayList<>(x);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static void warm(Runnable r) {
        long end = System.nanoTime() + 3_000_000_000L;
        for (int n = 0; n < 3 || System.nanoTime() < end; n++) {
            r.run();
        }
    }

    /** Median seconds per call over at least `seconds` and 3 calls. */
    private static double medianSeconds(Runnable r, double seconds) {
        List<Double> t = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (t.size() < 3 || System.nanoTime() < end) {
            long t0 = System.nanoTime();
            r.run();
            t.add((System.nanoTime() - t0) / 1e9);
        }
        return median(t);
    }

    /** One jar: its own CpuBackend, and OpCases.of and OpCase.run through reflection. */
    private static final class Side {
        final ClassLoader loader;
        final Object backend;
        final Method of;
        final Method run;

        Side(String name, Path jar, int threads) throws Exception {
            loader = new URLClassLoader(name, new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> cpu = loader.loadClass("dev.redengine.backend.cpu.CpuBackend");
            backend = cpu.getConstructor(int.class).newInstance(threads);
            of = loader.loadClass("dev.redengine.bench.OpCases").getMethod("of", loader.loadClass("dev.redengine.backend.Backend"), String.class);
            run = loader.loadClass("dev.redengine.bench.OpCases$OpCase").getMethod("run");
        }

        Runnable op(String spec) throws Exception {
            if (spec.startsWith("train:")) {
                String[] bt = spec.substring(6).split("x");
                Class<?> c = loader.loadClass("dev.redengine.bench.TrainStep");
                Object step = c.getConstructor(loader.loadClass("dev.redengine.backend.Backend"), int.class, int.class)
                        .newInstance(backend, Integer.parseInt(bt[0]), Integer.parseInt(bt[1]));
                Method m = c.getMethod("step");
                return () -> {
                    try {
                        m.invoke(step);
                    } catch (ReflectiveOperationException e) {
                        throw new RuntimeException(e);
                    }
                };
            }
            return (Runnable) run.invoke(of.invoke(null, backend, spec));
        }

        void close() throws Exception {
            ((AutoCloseable) backend).close();
        }
    }
}
