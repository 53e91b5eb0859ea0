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
