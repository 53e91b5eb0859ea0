package dev.redengine.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Write-then-rename, so that a reader never sees a half-written file: create a temp file beside the target,
 * fill it, then {@link #commit} it. Temp files get rw-r--r-- (Files.createTempFile would leave them 0600,
 * and the rename would carry that onto a model folder others need to read).
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** An empty temp file in the target's folder, named after it and hidden. */
    public static Path tempFor(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return tmp;
    }

    /** Renames tmp onto target (atomically where the file system can), replacing it. */
    public static void commit(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target.toAbsolutePath(), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes text (UTF-8) to target atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes bytes to target atomically. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = tempFor(target);
        try {
            Files.write(tmp, bytes);
            commit(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Copies src onto target atomically. */
    public static void copy(Path src, Path target) throws IOException {
        Path tmp = tempFor(target);
        try {
            Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
            commit(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
