package dev.redengine.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Finds the shipped chain teacher when {@code demo} is given no {@code --teacher}: {@code models/chain-teacher}
 * under the working directory, else beside the jar (the jar is built into {@code java-engine/target/}, so the
 * repository root is two folders up; a jar copied to the root or into a folder next to models/ is found too).
 */
final class TeacherLocator {
    static final Path SHIPPED = Path.of("models", "chain-teacher");

    private TeacherLocator() {
    }

    /** The places looked in, in order: the working directory's, then the jar's (when there is a jar). */
    static List<Path> candidates(Path workingDir, Optional<Path> jarDir) {
        LinkedHashSet<Path> c = new LinkedHashSet<>();
        c.add(workingDir.resolve(SHIPPED).toAbsolutePath().normalize());
        jarDir.ifPresent(j -> {
            for (String up : new String[]{"../..", "..", "."}) {
                c.add(j.resolve(up).resolve(SHIPPED).toAbsolutePath().normalize());
            }
        });
        return new ArrayList<>(c);
    }

    /** The first candidate with a config.json, or an IllegalArgumentException naming every place looked. */
    static Path find(Path workingDir, Optional<Path> jarDir) {
        List<Path> looked = candidates(workingDir, jarDir);
        for (Path p : looked) {
            if (Files.isRegularFile(p.resolve("config.json"))) {
                return p;
            }
        }
        throw new IllegalArgumentException("no teacher: looked for " + SHIPPED + " (a model folder with config.json) in "
                + String.join(", ", looked.stream().map(Path::toString).toList()) + "; pass --teacher DIR");
    }

    /** The folder of the jar this class was loaded from; empty when it runs from classes (tests, an IDE). */
    static Optional<Path> jarDir() {
        try {
            var source = TeacherLocator.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path p = Path.of(source.getLocation().toURI());
            return p.toString().endsWith(".jar") ? Optional.ofNullable(p.toAbsolutePath().getParent()) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }
}
