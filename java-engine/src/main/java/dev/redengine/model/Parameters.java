package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named tensors in HF order: the weights of a model, or their gradients or optimizer moments (same names, same
 * shapes).
 *
 * <p>{@link #allocate} puts them all in one flat buffer, as llm.c does: matrices first, then the 1-D tensors
 * (norm gains, biases), each name a view into it. Zeroing, the global gradient norm and AdamW are then one
 * call per {@link #spans() span} (two: the weight-decayed matrices and the rest) instead of one per tensor,
 * which is what a device backend wants. Parameters put together from separate tensors ({@link #put}: a pruned
 * or projected student that shares tensors with its teacher) have one span per tensor.
 */
public final class Parameters {
    /** A contiguous run of parameters and whether AdamW's weight decay applies to it (matrices only). */
    public record Span(Tensor tensor, boolean decayed) {
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Tensor flat;          // [P] every parameter, or null when built with put
    private final long matrixElements;  // flat [0, matrixElements) holds the rank >= 2 tensors

    /** An empty set to {@link #put} separate tensors into. */
    public Parameters() {
        this(null, 0);
    }

    private Parameters(Tensor flat, long matrixElements) {
        this.flat = flat;
        this.matrixElements = matrixElements;
    }

    /**
     * Zero-filled, in one flat buffer: matrices first, then 1-D tensors; names in the specs' order. A model of
     * 2^31 parameters or more (beyond a tensor dimension) gets one tensor per parameter instead.
     */
    public static Parameters allocate(Backend backend, List<ParameterSpec> specs) {
        long matrices = 0, total = 0;
        for (ParameterSpec s : specs) {
            total += s.numel();
            matrices += s.shape().length > 1 ? s.numel() : 0;
        }
        if (total > Integer.MAX_VALUE) {
            Parameters loose = new Parameters();
            specs.forEach(s -> loose.put(s.name(), backend.allocate(s.shape())));
            return loose;
        }
        Parameters p = new Parameters(backend.allocate(Math.toIntExact(total)), matrices);
        long nextMatrix = 0, nextVector = matrices;
        for (ParameterSpec s : specs) {
            boolean matrix = s.shape().length > 1;
            long offset = matrix ? nextMatrix : nextVector;
            p.tensors.put(s.name(), p.flat.viewAt(offset, s.shape()));
            if (matrix) {
                nextMatrix += s.numel();
            } else {
                nextVector += s.numel();
            }
        }
        return p;
    }

    /** Zero-filled tensors with the names, shapes and layout of {@code like} (flat when it is flat). */
    public static Parameters allocateLike(Backend backend, Parameters like) {
        if (like.flat != null) {
            List<ParameterSpec> specs = new ArrayList<>();
            like.tensors.forEach((name, t) -> specs.add(new ParameterSpec(name, t.shape())));
            return allocate(backend, specs);
        }
        Parameters p = new Parameters();
        like.tensors.forEach((name, t) -> p.put(name, backend.allocate(t.shape())));
        return p;
    }

    public void put(String name, Tensor t) {
        if (flat != null) {
            throw new IllegalStateException("parameters in one flat buffer take no extra tensor (" + name + ")");
        }
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

    /** The flat buffer [P] of {@link #allocate}, or null for parameters built with {@link #put}. */
    public Tensor flat() {
        return flat;
    }

    /** Every parameter once, in as few contiguous runs as the layout allows. */
    public List<Span> spans() {
        List<Span> spans = new ArrayList<>();
        if (flat != null) {
            if (matrixElements > 0) {
                spans.add(new Span(flat.viewAt(0, Math.toIntExact(matrixElements)), true));
            }
            if (matrixElements < flat.numel()) {
                spans.add(new Span(flat.viewAt(matrixElements, Math.toIntExact(flat.numel() - matrixElements)), false));
            }
        } else {
            tensors.values().forEach(t -> spans.add(new Span(t, t.rank() > 1)));
        }
        return spans;
    }

    public void zero(Backend backend) {
        spans().forEach(s -> backend.zero(s.tensor()));
    }
}
