package dev.redengine.cli;

import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prune and train write --out as a whole, refuse an --out that is or holds an input, and a non-empty one without --overwrite. */
class OutputFolderCliTest {
    @TempDir
    Path tmp;

    private Path teacher() throws IOException {
        Path dir = tmp.resolve("teacher");
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(Fixtures.dir("tiny-llama"))) {
            for (Path p : s.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private static CliTest.Result prune(Path model, String method, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", model.toString(), "--method", method,
                "--hidden-size", "32", "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliTest.run(args.toArray(String[]::new));
    }

    private static void assertRefused(CliTest.Result r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "missing \"" + f + "\" in: " + err);
        }
    }

    @Test
    void pruneRefusesToWriteOverItsInput() throws IOException {
        Path model = teacher();
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        assertRefused(prune(model, "magnitude", model), "--out " + model, "is also an input");
        assertRefused(prune(model, "magnitude", model.resolve("student")), "inside the input folder");
        assertRefused(prune(model, "magnitude", tmp), "contains the input");
        // the same folder through a symbolic link is the same folder
        Path link = Files.createSymbolicLink(tmp.resolve("link"), model);
        assertRefused(prune(model, "magnitude", link), "is also an input");
        assertArrayEquals(weights, Files.readAllBytes(model.resolve("model.safetensors")));
    }

    @Test
    void reusedOutputNeedsOverwriteAndKeepsNoStaleFile() throws IOException {
        Path model = teacher();
        Path out = tmp.resolve("student");
        assertEquals(0, prune(model, "magnitude", out).code());
        assertTrue(Files.exists(out.resolve("selection.json")));
        assertRefused(prune(model, "random", out), "--out " + out, "not empty", "--overwrite");
        CliTest.Result r = prune(model, "random", out, "--overwrite");
        assertEquals(0, r.code(), r.err());
        // the random student selects no channels: the magnitude run's selection.json must not stay beside it
        assertFalse(Files.exists(out.resolve("selection.json")));
        assertTrue(Files.exists(out.resolve("config.json")));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList(), "leftovers");
        }
    }

    @Test
    void missingParentFoldersAreCreatedAndAFileOnTheWayIsNamed() throws IOException {
        Path model = teacher();
        Path out = tmp.resolve("a/b/student");
        CliTest.Result r = prune(model, "magnitude", out);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        Files.writeString(tmp.resolve("file"), "x");
        CliTest.Result bad = prune(model, "magnitude", tmp.resolve("file/student"));
        assertRefused(bad, "--out " + tmp.resolve("file/student"), "not a folder");
        assertFalse(bad.err().contains(".new"), bad.err());
    }

    @Test
    void readOnlyParentIsRefusedWithTheReason() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root writes into read-only folders");
        Path model = teacher();
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        assertTrue(ro.toFile().setWritable(false));
        try {
            assertRefused(prune(model, "magnitude", ro.resolve("student")), "--out " + ro.resolve("student"), "not writable");
        } finally {
            ro.toFile().setWritable(true);
        }
    }

    @Test
    void trainRefusesItsInputsAsOutputAndReplacesAFolderWhole() throws IOException {
        Path model = teacher();
        Path data = tmp.resolve("data.safetensors");
        new SafetensorsWriter().addI32("input_ids", new int[]{1, 2, 3, 4, 5, 6}, 2, 3).write(data);
        List<String> base = List.of("train", "--model", model.toString(), "--data", data.toString(), "--seq-len", "3",
                "--steps", "2", "--batch", "1", "--save-every", "1");
        assertRefused(CliTest.run(concat(base, "--out", model.toString())), "is also an input");
        assertRefused(CliTest.run(concat(base, "--out", tmp.toString())), "contains the input");
        Path out = Files.createDirectory(tmp.resolve("trained"));
        Files.writeString(out.resolve("stale.txt"), "from an earlier run");
        Files.createDirectories(out.resolve("checkpoints/step-9"));
        Files.writeString(out.resolve("checkpoints/step-9/trainer_state.json"), "{}");
        assertRefused(CliTest.run(concat(base, "--out", out.toString())), "not empty", "--overwrite");
        CliTest.Result r = CliTest.run(concat(base, "--out", out.toString(), "--overwrite"));
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out.resolve("stale.txt")));
        assertFalse(Files.exists(out.resolve("checkpoints/step-9")), "an earlier run's checkpoint would be resumed from");
        assertTrue(Files.exists(out.resolve("checkpoints/step-2/model.safetensors")));
        assertArrayEquals(Files.readAllBytes(out.resolve("model.safetensors")),
                Files.readAllBytes(out.resolve("checkpoints/step-2/model.safetensors")));
        // the finished folder still resumes (from its last checkpoint, to the same end)
        CliTest.Result again = CliTest.run(concat(base, "--out", out.toString(), "--resume"));
        assertEquals(0, again.code(), again.err());
    }

    private static String[] concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
