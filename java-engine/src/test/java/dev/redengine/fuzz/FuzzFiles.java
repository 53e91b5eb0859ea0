package dev.redengine.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One scratch folder per JVM for the files fuzz targets write (the readers under test take paths). */
final class FuzzFiles {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("red-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FuzzFiles() {
    }

    /** A fresh empty folder under the scratch folder. */
    static Path folder(String name) throws IOException {
        Path d = DIR.resolve(name);
        if (Files.exists(d)) {
            try (var s = Files.list(d)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
        } else {
            Files.createDirectories(d);
        }
        return d;
    }

    /** Writes bytes to a file of that name in the scratch folder, replacing an earlier one. */
    static Path write(String name, byte[] bytes) throws IOException {
        Path f = DIR.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }
}
