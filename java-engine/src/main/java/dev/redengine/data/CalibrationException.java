package dev.redengine.data;

import java.io.IOException;

/**
 * A calibration file (or the tokenizer it needs) that cannot be turned into calibration sequences. The message
 * names the file and, where one is at fault, the line, document or token position, so the user can fix the input.
 * An {@link IOException}, like {@link dev.redengine.io.SafetensorsFormatException}: bad input, not a bug.
 */
public class CalibrationException extends IOException {
    public CalibrationException(String message) {
        super(message);
    }

    public CalibrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
