package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Named tensors in HF order: the weights of a model, or their gradients (same names, same shapes). */
public final class Parameters {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** Zero-filled tensors for every spec. */
    public static Parameters allocate(Backend backend, List<ParameterSpec> specs) {
        Parameters p = new Parameters();
        for (ParameterSpec s : specs) {
            p.put(s.name(), backend.allocate(s.shape()));
        }
        return p;
    }

    public void put(String name, Tensor t) {
        tensors.put(name, t);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return t;
    }

    /** The tensor, or null when the model has no such parameter (an absent bias). */
    public Tensor find(String name) {
        return tensors.get(name);
    }

    public Map<String, Tensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public long count() {
        return tensors.values().stream().mapToLong(Tensor::numel).sum();
    }

    public void zero(Backend backend) {
        tensors.values().forEach(backend::zero);
    }
}
