package dev.redengine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An output folder written as a whole: a command fills a hidden sibling ({@code .NAME.new}) and {@link #commit}
 * renames it onto the folder the user named, so a reader (or a kill at any moment) sees the old folder or the new
 * one, never new weights beside an old {@code config.json}, and no stale file of an earlier run survives.
 * <p>
 * Use: {@link #check} every output folder with the command's other options (before any work), then
 * <pre>{@code
 * try (OutputFolder folder = OutputFolder.begin("--out", out)) {
 *     HfModelWriter.write(folder.dir(), ...);     // write everything into folder.dir()
 *     folder.commit();                            // the folder appears whole; close() without it removes dir()
 * }
 * }</pre>
 * Replacing an existing folder takes two renames (the old one to {@code .NAME.old}, then the new one into place);
 * a kill between them leaves no {@code NAME}, and the next {@link #begin} on it puts {@code .NAME.old} back.
 */
public final class OutputFolder implements AutoCloseable {
    private final String option;
    private final Path target;
    private final Path fresh;
    private final Path old;
    private boolean committed;

    private OutputFolder(String option, Path target) {
        this.option = option;
        this.target = target;
        this.fresh = sibling(target, ".new");
        this.old = sibling(target, ".old");
    }

    /**
     * Refuses an output folder the command could not write as a whole, or should not: a file; one that is an input,
     * holds an input or lies inside an input folder (writing it would overwrite what is being read); a non-empty
     * folder unless {@code overwrite}; one whose nearest existing folder is not writable. Each refusal is an
     * IllegalArgumentException naming the option, the path as given and the reason.
     */
    public static void check(String option, Path out, boolean overwrite, List<Path> inputs) {
        Path abs = real(out);
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IllegalArgumentException(option + " " + out + " is a file; expected a folder");
        }
        for (Path input : inputs) {
            if (input == null) {
                continue;
            }
            Path in = real(input);
            if (in.equals(abs)) {
                throw new IllegalArgumentException(option + " " + out + " is also an input (" + input + "); write to another folder");
            }
            if (in.startsWith(abs)) {
                throw new IllegalArgumentException(option + " " + out + " contains the input " + input + "; write to another folder");
            }
            if (abs.startsWith(in)) {
                throw new IllegalArgumentException(option + " " + out + " is inside the input folder " + input
                        + "; write to another folder");
            }
        }
        if (!overwrite && Files.isDirectory(abs) && !isEmpty(abs)) {
            throw new IllegalArgumentException(option + " " + out + " is not empty; pass --overwrite to replace it");
        }
        Path existing = abs.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + out + ": cannot be created under " + existing + " (not a folder)");
        }
        if (!Files.isWritable(existing)) {
            throw new IllegalArgumentException(option + " " + out + ": folder " + existing + " is not writable (permission denied)");
        }
    }

    /**
     * Starts writing {@code out}: creates its parent folders and an empty hidden sibling to fill, after tidying up
     * after a killed earlier write. IOExceptions name {@code out} as given, not the sibling.
     */
    public static OutputFolder begin(String option, Path out) throws IOException {
        OutputFolder f = new OutputFolder(option, out.toAbsolutePath().normalize());
        try {
            Files.createDirectories(f.target.getParent());
            f.recover();
            deleteTree(f.fresh);
            Files.createDirectory(f.fresh);
        } catch (IOException e) {
            throw f.failure("cannot create", e);
        }
        return f;
    }

    /** The folder to write into (the hidden sibling until {@link #commit}). */
    public Path dir() {
        return fresh;
    }

    /** The folder the user named, where the output appears on {@link #commit}. */
    public Path target() {
        return target;
    }

    /** Puts the written folder in place of the target, replacing whatever was there. */
    public void commit() throws IOException {
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(old);
                move(target, old);
                move(fresh, target);
                deleteTree(old);
            } else {
                move(fresh, target);
            }
            committed = true;
        } catch (IOException e) {
            throw failure("cannot write", e);
        }
    }

    /**
     * Carries {@code target/name} (a file or a folder) over into the new folder, as hard links where the file system
     * has them (no copy of large checkpoints; the old files stay whole until commit), as copies where not.
     */
    public void carryOver(String name) throws IOException {
        Path from = target.resolve(name);
        if (!Files.exists(from)) {
            return;
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path to = fresh.resolve(target.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    try {
                        Files.createLink(to, p);
                    } catch (UnsupportedOperationException | IOException e) {
                        Files.copy(p, to);
                    }
                }
            }
        }
    }

    /** Without a commit, removes what was written (the target is untouched). */
    @Override
    public void close() throws IOException {
        if (!committed) {
            deleteTree(fresh);
        }
    }

    /** A kill between commit's two renames left {@code .NAME.old} and no target: put it back. After the swap: drop it. */
    private void recover() throws IOException {
        if (Files.isDirectory(old)) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(old);
            } else {
                move(old, target);
            }
        }
    }

    /** An IOException naming the option and the folder the user gave, with the file system's reason. */
    private IOException failure(String what, IOException e) {
        return new IOException(option + " " + target + ": " + what + " (" + reason(e) + ")", e);
    }

    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "a folder on the way does not exist";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling("." + target.getFileName() + suffix);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The absolute path with symbolic links resolved as far as it exists (so that a link to an input counts as the
     * input); the part that does not exist yet is appended unchanged.
     */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }

    /** Deletes a folder and everything in it; nothing if it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
