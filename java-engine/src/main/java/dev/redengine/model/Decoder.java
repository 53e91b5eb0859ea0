package dev.redengine.model;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Incremental decoding of one sequence with a {@link KvCache}: {@link #append} runs only the new tokens (a
 * prompt chunk, then one token per step) through the same layers as {@link CausalLM#forward}, writes their keys
 * and values into the cache and attends over everything cached ({@link Backend#cachedAttention}). RoPE is applied
 * at the tokens' absolute positions by viewing the cos/sin tables from row {@code position} on.
 *
 * <p>Shapes: n new tokens at positions p .. p+n-1; d hidden, H query heads, KV key/value heads, D head dim.
 */
public final class Decoder {
    private final CausalLM lm;
    private final Backend be;
    private final ModelConfig c;
    private final LayerWeights[] layers;
    private final KvCache cache;
    private final Tensor ropeCos;   // [S, D/2]
    private final Tensor ropeSin;   // [S, D/2]
    private final Tensor lastLogits; // [1, V]
    /** Buffers per chunk length: one for the prompt, one for single steps. */
    private final Map<Integer, Activations> buffers = new HashMap<>();

    /** A decoder whose cache holds {@code capacity} positions (at most max_position_embeddings). */
    public Decoder(CausalLM lm, int capacity) {
        this.lm = lm;
        this.be = lm.backend();
        this.c = lm.config();
        if (capacity < 1 || capacity > c.maxPositions()) {
            throw new IllegalArgumentException("KV cache capacity " + capacity + " is outside [1, max_position_embeddings = "
                    + c.maxPositions() + "]");
        }
        layers = new LayerWeights[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = LayerWeights.of(lm.parameters(), null, l);
        }
        cache = new KvCache(be, c, capacity);
        float[][] tables = c.rope().tables(capacity, c.headDim());
        ropeCos = be.allocate(capacity, c.headDim() / 2);
        ropeSin = be.allocate(capacity, c.headDim() / 2);
        be.upload(ropeCos, tables[0]);
        be.upload(ropeSin, tables[1]);
        lastLogits = be.allocate(1, c.vocabSize());
    }

    public KvCache cache() {
        return cache;
    }

    /** Forgets the sequence: the next {@link #append} starts at position 0. */
    public void reset() {
        cache.clear();
    }

    /**
     * Runs {@code ids} at the next positions, appends their keys and values to the cache, and returns the logits
     * [V] of the last of them (the distribution of the token after it).
     */
    public float[] append(int[] ids) {
        int n = ids.length, p = cache.length();
        if (n == 0) {
            throw new IllegalArgumentException("no tokens to append");
        }
        if (p + n > cache.capacity()) {
            throw new IllegalArgumentException("positions " + p + " .. " + (p + n - 1) + " exceed the KV cache of "
                    + cache.capacity() + " positions");
        }
        Activations a = buffers.computeIfAbsent(n, len -> lm.allocateActivations(1, len));
        lm.setInput(a, ids);
        int heads = c.numHeads(), kv = c.numKvHeads(), dh = c.headDim(), half = dh / 2;
        float eps = (float) c.rmsNormEps();
        float scale = (float) (1.0 / Math.sqrt(dh));
        Tensor cos = ropeCos.viewAt((long) p * half, n, half);       // rows p .. p+n-1 of [S, D/2]
        Tensor sin = ropeSin.viewAt((long) p * half, n, half);
        be.embedding(a.residual[0], a.ids, lm.parameters().get("model.embed_tokens.weight"));   // [n, d]
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWeights w = layers[l];
            Activations.Layer s = a.layers[l];
            Tensor x = a.residual[l];                                     // [n, d]
            be.rmsnorm(s.ln1, s.rstd1, x, w.ln1(), eps);
            if (c.qkNorm()) {
                w.q().forward(be, s.qPre, s.ln1);                         // [n, H*D]
                w.k().forward(be, s.kPre, s.ln1);                         // [n, KV*D]
                be.rmsnorm(s.q.view(n * heads, dh), s.qRstd, s.qPre.view(n * heads, dh), w.qNorm(), eps);
                be.rmsnorm(s.k.view(n * kv, dh), s.kRstd, s.kPre.view(n * kv, dh), w.kNorm(), eps);
            } else {
                w.q().forward(be, s.q, s.ln1);
                w.k().forward(be, s.k, s.ln1);
            }
            w.v().forward(be, s.v, s.ln1);                                // [n, KV*D]
            be.rope(s.q.view(n, heads, dh), cos, sin, n);
            be.rope(s.k.view(n, kv, dh), cos, sin, n);
            be.copy(KvCache.rows(cache.keys(l), p, n), s.k);             // cache rows p .. p+n-1
            be.copy(KvCache.rows(cache.values(l), p, n), s.v);
            be.cachedAttention(s.att.view(n, heads, dh), s.q.view(n, heads, dh), cache.keys(l), cache.values(l), p, scale);
            w.o().forward(be, s.mid, s.att);                              // [n, d]
            be.add(s.mid, s.mid, x);
            be.rmsnorm(s.ln2, s.rstd2, s.mid, w.ln2(), eps);
            w.gate().forward(be, s.gate, s.ln2);                          // [n, F]
            w.up().forward(be, s.up, s.ln2);
            be.swiglu(s.act, s.gate, s.up);
            Tensor out = a.residual[l + 1];
            w.down().forward(be, out, s.act);                             // [n, d]
            be.add(out, out, s.mid);
        }
        cache.advance(n);
        // only the last position's logits are needed: norm and LM head on one row
        Tensor last = a.residual[c.numLayers()].slice(n - 1, n);          // [1, d]
        Tensor norm = a.finalNorm.slice(n - 1, n);
        be.rmsnorm(norm, a.finalRstd.slice(n - 1, n), last, lm.parameters().get("model.norm.weight"), eps);
        Tensor head = c.tieWordEmbeddings() ? lm.parameters().get("model.embed_tokens.weight") : lm.parameters().get("lm_head.weight");
        be.matmul(lastLogits, norm, false, head, true, 1f, 0f);          // [1, V]
        return be.downloadFloats(lastLogits);
    }
}
