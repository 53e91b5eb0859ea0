package dev.redengine.model;

/** A config.json that red-engine cannot run: the message names the key and its value. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
