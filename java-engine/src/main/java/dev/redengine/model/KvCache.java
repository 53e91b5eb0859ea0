package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

/**
 * The keys and values of every position decoded so far, per layer, on the backend: what lets a decoder run only
 * the new tokens through the model. Keys are stored after RoPE (and q/k norm), exactly as attention reads them.
 */
public final class KvCache {
    private final Tensor[] keys;     // per layer [S, KV, D]
    private final Tensor[] values;   // per layer [S, KV, D]
    private int length;

    KvCache(Backend be, ModelConfig c, int capacity) {
        keys = new Tensor[c.numLayers()];
        values = new Tensor[c.numLayers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = be.allocate(capacity, c.numKvHeads(), c.headDim());
            values[l] = be.allocate(capacity, c.numKvHeads(), c.headDim());
        }
    }

    /** Positions written so far: the next token goes to this position. */
    public int length() {
        return length;
    }

    /** S, the most positions it holds. */
    public int capacity() {
        return keys[0].dim(0);
    }

    /** Forgets every position (the buffers are kept and overwritten). */
    public void clear() {
        length = 0;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    /** Rows [from, from + n) of a layer's cache as [n, KV*D], for the new tokens' keys and values to be copied in. */
    static Tensor rows(Tensor cache, int from, int n) {
        int rowElems = cache.dim(1) * cache.dim(2);
        return cache.viewAt((long) from * rowElems, n, rowElems);
    }

    void advance(int n) {
        length += n;
    }
}
