package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.redengine.backend.Backend;
import dev.redengine.backend.Backends;
import dev.redengine.bench.DevicePeak;
import dev.redengine.bench.OpBench;
import dev.redengine.backend.cuda.CudaBackend;
import dev.redengine.backend.cuda.GpuDriver;
import dev.redengine.backend.cuda.SimDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Times the ops of a Llama layer on a device and sets them against its peak (see {@link OpBench}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Times each op (copy, add, rmsnorm, swiglu, cross_entropy, matmul, attention, adamw, train_step) on the device: time per",
                "call, GB/s or TFLOP/s, and the percentage of the device's peak (a data-sheet table for known GPUs, else the",
                "measured copy bandwidth). Shapes are those of Llama-124M at N tokens by default. --device cuda-sim runs the",
                "CUDA kernels on the simulator (use tiny sizes: it is slow)."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backend;

    @Option(names = "--op", paramLabel = "NAME", description = "Op to time (repeatable; default: all).")
    List<String> ops = new ArrayList<>();

    @Option(names = "--size", defaultValue = "1024", description = "Tokens N (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--dim", defaultValue = "768", description = "Model width C; the FFN is 4C (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--heads", defaultValue = "12", description = "Attention heads, dividing C (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--vocab", defaultValue = "32768", description = "Vocabulary V of cross_entropy (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--layers", defaultValue = "12", description = "Layers of train_step's Llama (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed calls first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeat", defaultValue = "10", description = "Timed calls (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON to FILE.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Checks.positive("--size", tokens);
        Checks.positive("--dim", dim);
        Checks.positive("--heads", heads);
        Checks.positive("--vocab", vocab);
        Checks.positive("--layers", layers);
        Checks.positive("--repeat", repeat);
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        }
        OpBench.Shape shape = new OpBench.Shape(tokens, dim, heads, vocab, layers);
        List<String> chosen = ops.isEmpty() ? OpBench.OPS : ops.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).toList();
        for (String op : chosen) {
            if (!OpBench.OPS.contains(op)) {
                throw new IllegalArgumentException("--op: unknown op \"" + op + "\"; choose from " + String.join(", ", OpBench.OPS));
            }
        }
        if (out != null && out.toAbsolutePath().getParent() != null && !Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException("--out " + out + ": its folder does not exist");
        }
        try (Backend be = open()) {
            DevicePeak peak = tablePeak(be);
            OpBench bench = new OpBench(be, shape, warmup, repeat);
            List<OpBench.Result> results = bench.run(chosen, peak);
            Map<String, Object> report = report(be, shape, bench.peak(), results);
            String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
            if (out != null) {
                Files.writeString(out, text + "\n");
            }
            PrintWriter w = spec.commandLine().getOut();
            if (json) {
                w.println(text);
            } else {
                printTable(w, be, bench.peak(), results);
            }
        }
        return 0;
    }

    /** cuda-sim has no provider in the core yet: the bench opens the simulator itself (threads in forward order). */
    private Backend open() {
        if (backend.device.strip().equalsIgnoreCase("cuda-sim")
                && Backends.installed().providers().stream().noneMatch(p -> p.name().equals("cuda-sim"))) {
            return new CudaBackend(new SimDriver(simLibrary(), SimDriver.Order.FORWARD, 1));
        }
        return backend.open();
    }

    /**
     * The simulator library: the system property {@value SimDriver#LIBRARY_PROPERTY}, else native/ beside the jar
     * (java-engine/target/native/libredengine_cudasim.so, where native/build.sh puts it).
     */
    static Path simLibrary() {
        String p = System.getProperty(SimDriver.LIBRARY_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        try {
            Path here = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = here.getParent().resolve("native").resolve("libredengine_cudasim.so");
            if (!Files.isRegularFile(lib)) {
                throw new IllegalArgumentException("device \"cuda-sim\": no simulator library at " + lib + " (native/build.sh builds it; or set -D"
                        + SimDriver.LIBRARY_PROPERTY + "=PATH)");
            }
            return lib;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The data-sheet peak for a GPU; null elsewhere (the bench then uses its measured copy bandwidth). */
    private static DevicePeak tablePeak(Backend be) {
        return be instanceof CudaBackend cb && cb.driver() instanceof GpuDriver gpu ? DevicePeak.fromTable(gpu.deviceName()) : null;
    }

    private static Map<String, Object> report(Backend be, OpBench.Shape shape, DevicePeak peak, List<OpBench.Result> results) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tool", "red-engine bench");
        r.put("date", Instant.now().toString());
        r.put("device", be.name());
        Map<String, Object> p = new LinkedHashMap<>(); // not Map.of: a value may be null (JSON has no NaN)
        p.put("gb_per_s", finite(peak.gbPerSecond()));
        p.put("tflops", finite(peak.tflops()));
        p.put("source", peak.source());
        r.put("peak", p);
        r.put("shape", Map.of("tokens", shape.tokens(), "dim", shape.dim(), "heads", shape.heads(), "vocab", shape.vocab(),
                "layers", shape.layers()));
        List<Map<String, Object>> ops = new ArrayList<>();
        for (OpBench.Result x : results) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("op", x.op());
            o.put("shape", x.shape());
            o.put("ms", x.millis());
            o.put("bytes", x.bytes());
            o.put("flops", x.flops());
            o.put("gb_per_s", finite(x.gbPerSecond()));
            o.put("tflops", finite(x.tflops()));
            o.put("percent_of_peak", finite(x.percentOfPeak()));
            o.put("bound", x.bound());
            ops.add(o);
        }
        r.put("ops", ops);
        return r;
    }

    /** JSON has no NaN: null instead. */
    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    private static void printTable(PrintWriter w, Backend be, DevicePeak peak, List<OpBench.Result> results) {
        w.printf("device  %s%npeak    %s%n", be.name(), peak.source());
        w.printf("%-14s %-34s %10s %10s %10s %8s%n", "op", "shape", "ms", "GB/s", "TFLOP/s", "% peak");
        for (OpBench.Result x : results) {
            w.printf(Locale.ROOT, "%-14s %-34s %10.4f %10s %10s %8s%n", x.op(), x.shape(), x.millis(), fmt(x.gbPerSecond(), 1),
                    fmt(x.tflops(), 3), fmt(x.percentOfPeak(), 1));
        }
    }

    private static String fmt(double x, int decimals) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%." + decimals + "f", x) : "-";
    }
}
