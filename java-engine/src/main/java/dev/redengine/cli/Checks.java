package dev.redengine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks of option values that every command runs before any work (before a model is loaded or a backend
 * opened), so that a bad flag costs nothing and gets one line. Each throws IllegalArgumentException (exit 2)
 * naming the option and the value.
 */
final class Checks {
    private Checks() {
    }

    static void positive(String option, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + value);
        }
    }

    static void positive(String option, Integer value) {
        if (value != null) {
            positive(option, (long) value);
        }
    }

    static void nonNegative(String option, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(option + " must be >= 0, got " + value);
        }
    }

    static void finitePositive(String option, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw new IllegalArgumentException(option + " must be a finite number > 0, got " + value);
        }
    }

    static void finiteNonNegative(String option, double value) {
        if (!Double.isFinite(value) || value < 0) {
            throw new IllegalArgumentException(option + " must be a finite number >= 0, got " + value);
        }
    }

    static void fraction(String option, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(option + " must be in [0, 1], got " + value);
        }
    }

    /** An input file that must exist and be readable. */
    static void inputFile(String option, Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + ": no such file: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + " is not a readable file");
        }
    }

    /** An HF model folder for text in and out: a folder with config.json and tokenizer.json. */
    static void modelFolder(String option, Path dir) {
        modelFolderWithConfig(option, dir);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException(option + " " + dir + " has no tokenizer.json");
        }
    }

    /** An HF model folder: a folder with a config.json. */
    static void modelFolderWithConfig(String option, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + " is not a folder");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(option + " " + dir + " has no config.json");
        }
    }

    /** An output file: not a folder, and its folder exists and is writable (the file is written there atomically). */
    static void outputFile(String option, Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a folder; expected a file name");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": folder " + parent + " does not exist");
        }
        if (!Files.isWritable(parent)) {
            throw new IllegalArgumentException(option + " " + file + ": folder " + parent + " is not writable");
        }
    }

    /** An output PNG: its name ends in .png, and it is an output file. */
    static void pngFile(String option, Path file) {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException(option + " " + file + ": only PNG is written; name the file *.png");
        }
        outputFile(option, file);
    }
}
