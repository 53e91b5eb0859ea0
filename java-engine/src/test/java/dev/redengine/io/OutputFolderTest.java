package dev.redengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole-folder write: nothing visible before commit, the old folder gone after, and recovery after a kill. */
class OutputFolderTest {
    @TempDir
    Path tmp;

    @Test
    void nothingAppearsBeforeCommitAndNothingStaysWithoutIt() throws IOException {
        Path out = tmp.resolve("out");
        try (OutputFolder f = OutputFolder.begin("--out", out)) {
            Files.writeString(f.dir().resolve("config.json"), "{}");
            assertFalse(Files.exists(out));
        }
        assertEquals(List.of(), names(tmp));
    }

    @Test
    void commitReplacesTheOldFolderWhole() throws IOException {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        Files.createDirectories(out.resolve("keep/sub"));
        Files.writeString(out.resolve("keep/sub/a"), "a");
        try (OutputFolder f = OutputFolder.begin("--out", out)) {
            Files.writeString(f.dir().resolve("new.txt"), "new");
            f.carryOver("keep");
            f.carryOver("absent");
            f.commit();
        }
        assertEquals(List.of("out"), names(tmp));
        assertEquals(List.of("keep", "new.txt"), names(out));
        assertEquals("a", Files.readString(out.resolve("keep/sub/a")));
    }

    @Test
    void aKillBetweenTheTwoRenamesIsUndoneByTheNextBegin() throws IOException {
        Path out = tmp.resolve("out");
        Path old = Files.createDirectory(tmp.resolve(".out.old"));   // what commit left: the old folder moved aside
        Files.writeString(old.resolve("config.json"), "old");
        Files.createDirectory(tmp.resolve(".out.new"));              // and the new one not yet renamed
        try (OutputFolder f = OutputFolder.begin("--out", out)) {
            assertEquals("old", Files.readString(out.resolve("config.json")));
            assertEquals(List.of(), names(f.dir()));
        }
        assertEquals(List.of("out"), names(tmp));
    }

    @Test
    void checkNamesThePathAndTheReason() throws IOException {
        Path in = Files.createDirectory(tmp.resolve("in"));
        Path full = Files.createDirectory(tmp.resolve("full"));
        Files.writeString(full.resolve("x"), "x");
        assertThrows(IllegalArgumentException.class, () -> OutputFolder.check("--out", in, true, List.of(in)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputFolder.check("--out", full, false, List.of(in)));
        assertTrue(e.getMessage().startsWith("--out " + full + " is not empty"), e.getMessage());
        OutputFolder.check("--out", full, true, List.of(in));
        OutputFolder.check("--out", tmp.resolve("new/deeper"), false, List.of(in));
    }

    @Test
    void aFailedBeginNamesTheFolderGivenNotTheTemporaryOne() throws IOException {
        Files.writeString(tmp.resolve("file"), "x");
        IOException e = assertThrows(IOException.class, () -> OutputFolder.begin("--out", tmp.resolve("file/out")));
        assertTrue(e.getMessage().startsWith("--out " + tmp.resolve("file/out") + ": cannot create"), e.getMessage());
        assertFalse(e.getMessage().contains(".new"), e.getMessage());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
