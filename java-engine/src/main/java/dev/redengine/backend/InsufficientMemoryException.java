package dev.redengine.backend;

/** The machine has too little memory for an allocation or a run: the message says how much is needed and available. */
public final class InsufficientMemoryException extends RuntimeException {
    public InsufficientMemoryException(String message) {
        super(message);
    }

    public InsufficientMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
