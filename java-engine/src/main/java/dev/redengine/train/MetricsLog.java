package dev.redengine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.io.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per line, one line per step (and step 0 for what is measured before
 * training). Lines are appended and flushed at every log interval, so a killed run keeps what it logged; a
 * resumed run first drops the lines of steps after its checkpoint (and a torn last line), then appends.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final List<ObjectNode> rows = new ArrayList<>();
    private final BufferedWriter out;

    private MetricsLog(Path file, List<ObjectNode> kept) throws IOException {
        this.file = file;
        StringBuilder text = new StringBuilder();
        for (ObjectNode r : kept) {
            text.append(JSON.writeValueAsString(r)).append('\n');
        }
        AtomicFiles.writeString(file, text.toString());
        rows.addAll(kept);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** A new, empty log (an existing file is replaced). */
    public static MetricsLog create(Path file) throws IOException {
        return new MetricsLog(file, List.of());
    }

    /** The log of a run resumed after {@code step}: the lines up to that step are kept, later ones dropped. */
    public static MetricsLog resume(Path file, int step) throws IOException {
        List<ObjectNode> kept = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (IOException e) {
                    continue;                   // the torn last line of a killed write
                }
                if (row instanceof ObjectNode o && o.path("step").asInt(Integer.MAX_VALUE) <= step) {
                    kept.add(o);
                }
            }
        }
        return new MetricsLog(file, kept);
    }

    public Path file() {
        return file;
    }

    /** Appends rows and flushes them to the file. */
    public void append(List<ObjectNode> batch) throws IOException {
        for (ObjectNode r : batch) {
            out.write(JSON.writeValueAsString(r));
            out.write('\n');
            rows.add(r);
        }
        out.flush();
    }

    /** Every row so far (kept ones of a resumed run included), in order. */
    public List<ObjectNode> rows() {
        return List.copyOf(rows);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
