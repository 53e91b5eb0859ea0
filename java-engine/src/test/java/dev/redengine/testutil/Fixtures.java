package dev.redengine.testutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the HF golden fixtures (copied from the shared fixtures folder, see PROVENANCE.md) live. */
public final class Fixtures {
    public static final List<String> WITH_GRADIENTS = List.of("tiny-llama", "tiny-llama-tied", "tiny-qwen2", "tiny-qwen3");
    public static final List<String> ALL = List.of("tiny-llama", "tiny-llama-tied", "tiny-qwen2", "tiny-qwen3",
            "tiny-llama3-bf16-sharded");

    private Fixtures() {
    }

    public static Path root() {
        String prop = System.getProperty("redengine.fixtures");
        Path p = prop != null ? Path.of(prop) : Path.of("src/test/resources/hf-golden");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("HF golden fixtures not found at " + p.toAbsolutePath());
        }
        return p;
    }

    public static Path dir(String name) {
        return root().resolve(name);
    }

    /** Largest |x|, the scale tolerances are relative to. */
    public static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * Logits of two runs of models with bitwise-equal weights agree to float rounding, not bitwise: the Vector
     * API's exp is computed differently before and after the JIT compiles it (about 1 ulp).
     */
    public static final double SAME_MODEL_TOLERANCE = 1e-6;

    /** Every tensor of {@code expected} is bitwise equal in {@code actual}, and nothing is missing. */
    public static void assertSameParameters(dev.redengine.backend.Backend be, dev.redengine.model.Parameters expected,
                                            dev.redengine.model.Parameters actual) {
        if (!expected.asMap().keySet().equals(actual.asMap().keySet())) {
            throw new AssertionError("parameter names differ: " + expected.asMap().keySet() + " vs " + actual.asMap().keySet());
        }
        for (var e : expected.asMap().entrySet()) {
            if (!java.util.Arrays.equals(be.downloadFloats(e.getValue()), be.downloadFloats(actual.get(e.getKey())))) {
                throw new AssertionError(e.getKey() + " differs");
            }
        }
    }

    /** Largest |a - b|. */
    public static double maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
