package dev.redengine.io;

/**
 * A tensor that a caller asked for is not in the file or checkpoint. A subtype so that loaders can tell
 * "optional weight absent" (e.g. a tied lm_head) from a corrupt file, although {@code contains} is the cheaper test.
 */
public class MissingTensorException extends SafetensorsFormatException {
    private final String tensorName;

    public MissingTensorException(String tensorName, String where) {
        super("missing tensor " + tensorName + " in " + where);
        this.tensorName = tensorName;
    }

    public String tensorName() {
        return tensorName;
    }
}
