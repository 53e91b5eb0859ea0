package dev.redengine.io;

import java.io.IOException;

/**
 * A safetensors file, index or checkpoint folder that cannot be read as such.
 *
 * <p>Checked, and an {@link IOException}, because a bad file on disk is an input problem the caller must handle
 * (report and stop), not a programming error. Messages always name the file or folder, and the tensor when one
 * is at fault, so a user can find the culprit without a debugger.
 */
public class SafetensorsFormatException extends IOException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
