package dev.redengine.backend.cuda;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the tests tagged {@code gpu} (the conformance suite and the HF goldens on the CUDA backend) without Maven,
 * for the GPU machine, which has a Java runtime but no build tools: tools/gpu-test.sh calls it with the test
 * classes and their JUnit jars on the class path.
 *
 * <pre>
 *   java -cp red-engine.jar:test-classes:lib/* dev.redengine.backend.cuda.GpuTestMain [--device cuda|cuda-sim]
 *        [--classes REGEX] [--json FILE]
 * </pre>
 * Prints one line per test class (passed, failed, skipped, seconds), then JUnit's summary and failures. Exit
 * code 0 when every test passed, 1 when one failed, 3 when no test ran (all skipped: no GPU).
 */
public final class GpuTestMain {
    private GpuTestMain() {
    }

    /** Per test class: passed, failed, skipped, and nanoseconds from its start to its end. */
    private static final class PerClass implements TestExecutionListener {
        final Map<String, long[]> counts = new TreeMap<>();
        final Map<String, Long> started = new TreeMap<>();
        final PrintWriter out;

        PerClass(PrintWriter out) {
            this.out = out;
        }

        private static String className(TestIdentifier id) {
            return id.getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getJavaClass().getSimpleName()).orElse(null);
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            String c = className(id);
            if (c != null) {
                started.put(c, System.nanoTime());
                counts.putIfAbsent(c, new long[4]);
            }
        }

        private String owner(TestIdentifier id) {
            // a test's unique id holds its class segment: [class:dev.redengine...GpuXTest]
            String uid = id.getUniqueId();
            int i = uid.indexOf("[class:");
            if (i < 0) {
                return null;
            }
            String fqcn = uid.substring(i + 7, uid.indexOf(']', i));
            return fqcn.substring(fqcn.lastIndexOf('.') + 1);
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            String c = className(id) != null ? className(id) : owner(id);
            if (c != null) {
                counts.computeIfAbsent(c, k -> new long[4])[2]++;
                if (className(id) != null) {
                    out.printf("%-48s skipped: %s%n", c, reason);
                }
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            String cls = className(id);
            if (cls != null) {
                long[] c = counts.get(cls);
                c[3] = System.nanoTime() - started.getOrDefault(cls, System.nanoTime());
                if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                    c[2]++; // an assumption at class level (no GPU): skipped, not failed
                } else if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    c[1]++; // the class itself failed (e.g. its backend could not open)
                }
                out.printf("%-48s %4d passed %4d failed %4d skipped %7.1f s%n", cls, c[0], c[1], c[2], c[3] / 1e9);
                out.flush();
                return;
            }
            if (id.isTest()) {
                String owner = owner(id);
                if (owner != null) {
                    int slot = switch (result.getStatus()) {
                        case SUCCESSFUL -> 0;
                        case FAILED -> 1;
                        case ABORTED -> 2;
                    };
                    counts.computeIfAbsent(owner, k -> new long[4])[slot]++;
                }
            }
        }
    }

    public static void main(String[] args) throws IOException {
        String device = "cuda", classes = ".*", json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--classes" -> classes = args[++i];
                case "--json" -> json = args[++i];
                default -> {
                    System.err.println("usage: GpuTestMain [--device cuda|cuda-sim] [--classes REGEX] [--json FILE]");
                    System.exit(2);
                }
            }
        }
        System.setProperty(GpuSupport.DEVICE_PROPERTY, device);
        PrintWriter out = new PrintWriter(System.out, true);
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage(GpuTestMain.class.getPackageName()))
                .filters(TagFilter.includeTags("gpu"), ClassNameFilter.includeClassNamePatterns(classes))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        PerClass perClass = new PerClass(out);
        launcher.execute(request, summary, perClass);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(out);
        s.printFailuresTo(out, 25);
        if (json != null) {
            StringBuilder b = new StringBuilder("{\"device\": \"" + device + "\", \"succeeded\": " + s.getTestsSucceededCount()
                    + ", \"failed\": " + s.getTotalFailureCount() + ", \"skipped\": " + s.getTestsSkippedCount() + ", \"classes\": [");
            String sep = "";
            for (Map.Entry<String, long[]> e : perClass.counts.entrySet()) {
                long[] c = e.getValue();
                b.append(sep).append(String.format(java.util.Locale.ROOT,
                        "{\"class\": \"%s\", \"passed\": %d, \"failed\": %d, \"skipped\": %d, \"seconds\": %.2f}",
                        e.getKey(), c[0], c[1], c[2], c[3] / 1e9));
                sep = ", ";
            }
            Files.writeString(Path.of(json), b.append("]}\n").toString());
        }
        System.exit(s.getTotalFailureCount() > 0 ? 1 : s.getTestsSucceededCount() == 0 ? 3 : 0);
    }
}
