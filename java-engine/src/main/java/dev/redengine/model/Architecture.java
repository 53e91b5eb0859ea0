package dev.redengine.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The decoder families red-engine runs; they differ only in biases and per-head q/k norms. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    QWEN3("Qwen3ForCausalLM", "qwen3");

    private final String hfClass;
    private final String modelType;

    Architecture(String hfClass, String modelType) {
        this.hfClass = hfClass;
        this.modelType = modelType;
    }

    public String hfClass() {
        return hfClass;
    }

    public String modelType() {
        return modelType;
    }

    public static Architecture fromHfClass(String name) {
        for (Architecture a : values()) {
            if (a.hfClass.equals(name)) {
                return a;
            }
        }
        throw new ConfigException("unsupported architecture: architectures[0] = \"" + name + "\" (supported: "
                + Arrays.stream(values()).map(Architecture::hfClass).collect(Collectors.joining(", ")) + ")");
    }

    public static Architecture fromModelType(String type) {
        for (Architecture a : values()) {
            if (a.modelType.equals(type)) {
                return a;
            }
        }
        throw new ConfigException("unsupported model_type = \"" + type + "\" (supported: "
                + Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", ")) + ")");
    }
}
