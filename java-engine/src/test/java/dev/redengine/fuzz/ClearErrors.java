package dev.redengine.fuzz;

import dev.redengine.data.CalibrationException;
import dev.redengine.io.SafetensorsFormatException;
import dev.redengine.model.ConfigException;

import java.nio.file.NoSuchFileException;

/**
 * What a fuzz target may throw: the project's own clear errors. A reader handed any bytes must either accept them or
 * fail with one of these, carrying a message (the CLI prints it as its one {@code error:} line): the format
 * exceptions of each reader ({@link SafetensorsFormatException} and its {@code MissingTensorException},
 * {@link ConfigException}, {@link CalibrationException}), {@link IllegalArgumentException}, and
 * {@link NoSuchFileException} (a file the input names that does not exist; the CLI says "no such file: NAME").
 * Anything else (NullPointerException, ClassCastException, IndexOutOfBounds, ArithmeticException, a Jackson
 * exception leaking out, an Error) is a finding, rethrown so that Jazzer reports it.
 */
public final class ClearErrors {
    private ClearErrors() {
    }

    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    public static void only(Action action) {
        try {
            action.run();
        } catch (Throwable t) {
            if (!isClear(t)) {
                throw new AssertionError("not a clear error: " + t, t);
            }
        }
    }

    static boolean isClear(Throwable t) {
        boolean ownType = t instanceof SafetensorsFormatException || t instanceof ConfigException
                || t instanceof CalibrationException || t instanceof IllegalArgumentException
                || t instanceof NoSuchFileException;
        return ownType && t.getMessage() != null && !t.getMessage().isBlank();
    }
}
