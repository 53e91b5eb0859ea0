package dev.redengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redengine.backend.cuda.SimDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code bench} on the CPU and on the CUDA simulator at tiny sizes: every op timed, its work and figures consistent. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = RedEngineCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static final String[] TINY = {"--size", "8", "--dim", "16", "--heads", "2", "--vocab", "40", "--layers", "1", "--warmup", "1", "--repeat", "2"};

    private static String[] args(String device, String... more) {
        List<String> a = new ArrayList<>(List.of("bench", "--device", device));
        a.addAll(List.of(TINY));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The JSON's figures follow from its own work counts and times, and each op's work from the shape. */
    private static void checkReport(JsonNode r, List<String> ops) {
        assertEquals(ops.size(), r.get("ops").size(), r.toString());
        double peakGbs = r.get("peak").get("gb_per_s").asDouble();
        assertTrue(peakGbs > 0 && r.get("peak").get("source").asText().contains("measured"), r.get("peak").toString());
        for (int i = 0; i < ops.size(); i++) {
            JsonNode o = r.get("ops").get(i);
            assertEquals(ops.get(i), o.get("op").asText());
            double ms = o.get("ms").asDouble();
            assertTrue(ms > 0, o.toString());
            if (o.get("bound").asText().equals("memory")) {
                double gbs = o.get("bytes").asLong() / (ms * 1e-3) / 1e9;
                assertEquals(gbs, o.get("gb_per_s").asDouble(), 1e-9 * gbs, o.toString());
                assertEquals(100 * gbs / peakGbs, o.get("percent_of_peak").asDouble(), 1e-9 * gbs, o.toString());
            } else {
                double tf = o.get("flops").asLong() / (ms * 1e-3) / 1e12;
                assertEquals(tf, o.get("tflops").asDouble(), 1e-9 * tf + 1e-15, o.toString());
                assertTrue(o.get("percent_of_peak").isNull(), "no FLOP peak off the table: " + o);
            }
        }
        JsonNode byOp = r.get("ops");
        for (JsonNode o : byOp) {
            switch (o.get("op").asText()) {
                case "matmul" -> assertEquals(2L * 8 * 16 * 64, o.get("flops").asLong());     // 2 N C 4C
                case "copy" -> assertEquals(2L * 4 * 8 * 64, o.get("bytes").asLong());       // read + write [N, 4C]
                case "cross_entropy" -> assertEquals(4L * (2 * 8 * 40 + 2 * 8), o.get("bytes").asLong());
                case "attention" -> assertEquals(2L * 2 * 2 * 8 * (8 * 9 / 2), o.get("flops").asLong()); // 2 GEMMs, causal
                // 1 layer, C 16, FFN 64, V 40 (tied): 6 N (4C^2 + 3CF + VC) + 3 * 4 H T^2 D / 2
                case "train_step" -> assertEquals(6L * 8 * (4 * 16 * 16 + 3 * 16 * 64 + 40 * 16) + 3L * 4 * 2 * 64 * 8 / 2,
                        o.get("flops").asLong());
                default -> {
                }
            }
        }
    }

    @Test
    void everyOpOnTheCpuAsJson() throws Exception {
        Path file = tmp.resolve("bench.json");
        Result r = run(args("cpu", "--json", "--out", file.toString(), "--threads", "1"));
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        checkReport(json, List.of("copy", "add", "rmsnorm", "swiglu", "cross_entropy", "matmul", "attention", "adamw", "train_step"));
        assertEquals(json, new ObjectMapper().readTree(Files.readString(file)));
        assertTrue(json.get("device").asText().startsWith("cpu"), json.toString());
    }

    @Test
    void chosenOpsOnTheSimulatorAsATable() throws Exception {
        String lib = System.getProperty(SimDriver.LIBRARY_PROPERTY);
        assumeTrue(lib != null && Files.isRegularFile(Path.of(lib)), "no CUDA simulator library");
        Result r = run(args("cuda-sim", "--op", "copy", "--op", "matmul", "--op", "rmsnorm", "--op", "cross_entropy", "--op", "attention",
                "--op", "train_step"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cuda over cuda-sim") && r.out().contains("measured device copy bandwidth"), r.out());
        for (String op : List.of("copy", "rmsnorm", "cross_entropy", "matmul", "attention", "train_step")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(op + " ")), op + " missing: " + r.out());
        }
        Result j = run(args("cuda-sim", "--op", "matmul", "--op", "copy", "--json"));
        assertEquals(0, j.code(), j.err());
        checkReport(new ObjectMapper().readTree(j.out()), List.of("copy", "matmul"));
    }

    @Test
    void badOptionsAreOneLine() {
        Result r = run(args("cpu", "--op", "conv2d"));
        assertEquals(2, r.code());
        assertTrue(r.err().strip().startsWith("error: --op: unknown op \"conv2d\"") && r.err().strip().lines().count() == 1, r.err());
        Result h = run("bench", "--device", "cpu", "--heads", "5", "--dim", "16");
        assertEquals(2, h.code());
        assertTrue(h.err().contains("heads must divide dim"), h.err());
    }
}
