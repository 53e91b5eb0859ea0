package dev.redengine.eval;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * TEST-ONLY minimal reader for the golden fixtures: the F32 tensors of a {@code golden.safetensors} and the
 * numbers of {@code golden.json}. Not the project's safetensors reader (that one lives elsewhere); it reads the
 * 8-byte little-endian header length, the JSON header, and F32 data, nothing more.
 */
final class GoldenHidden {
    private static final ObjectMapper JSON = new ObjectMapper();

    record F32(float[] data, int[] shape) {
    }

    private final Path dir;
    private final JsonNode header;
    private final ByteBuffer body;

    GoldenHidden(Path dir) throws IOException {
        this.dir = dir;
        byte[] bytes = Files.readAllBytes(dir.resolve("golden.safetensors"));
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(bb.getLong(0));
        this.header = JSON.readTree(new String(bytes, 8, n, java.nio.charset.StandardCharsets.UTF_8));
        this.body = ByteBuffer.wrap(bytes, 8 + n, bytes.length - 8 - n).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    F32 tensor(String name) {
        JsonNode t = header.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name + " in " + dir);
        }
        if (!"F32".equals(t.get("dtype").asText())) {
            throw new IllegalArgumentException(name + " is " + t.get("dtype") + ", this test reader reads F32 only");
        }
        int[] shape = new int[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asInt();
        }
        int begin = t.get("data_offsets").get(0).asInt();
        int end = t.get("data_offsets").get(1).asInt();
        float[] data = new float[(end - begin) / 4];
        body.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new F32(data, shape);
    }

    /** Number of hidden states {@code hidden.0 .. hidden.L}. */
    int hiddenCount() {
        int c = 0;
        while (header.has("hidden." + c)) {
            c++;
        }
        return c;
    }

    JsonNode goldenJson() throws IOException {
        return JSON.readTree(dir.resolve("golden.json").toFile());
    }

    /**
     * The hf-golden fixture folders: system property {@code redengine.fixtures} if it holds any, else the
     * shared copy at {@code ../../shared/fixtures/hf-golden} (from java-engine/) or {@code ../shared/...} (from
     * the repository root). Empty if none exists.
     */
    static List<Path> fixtureDirs() throws IOException {
        List<Path> roots = new ArrayList<>();
        String prop = System.getProperty("redengine.fixtures");
        if (prop != null) {
            roots.add(Path.of(prop));
        }
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        roots.add(cwd.resolve("../../shared/fixtures/hf-golden").normalize());
        roots.add(cwd.resolve("../shared/fixtures/hf-golden").normalize());
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (var s = Files.list(root)) {
                List<Path> dirs = s.filter(p -> Files.isRegularFile(p.resolve("golden.json"))
                        && Files.isRegularFile(p.resolve("golden.safetensors"))).sorted().toList();
                if (!dirs.isEmpty()) {
                    return dirs;
                }
            }
        }
        return List.of();
    }
}
