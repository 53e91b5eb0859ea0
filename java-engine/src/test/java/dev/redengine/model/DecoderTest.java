package dev.redengine.model;

import dev.redengine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Decoder} and {@link KvCache} against the definition: one {@link CausalLM#forward} over the whole
 * sequence. Fed in chunks (a prompt, then single tokens and short runs), the decoder must give, after every
 * append, the logits of the full pass's row for the chunk's last token, and its cache must hold exactly the full
 * pass's keys (after q/k norm and RoPE) and values at every position written. Random small configs per seed:
 * Llama, Qwen2 (q/k/v biases) and Qwen3 (q/k norms), tied and untied heads, 1 or 2 KV heads, caches smaller than
 * max_position_embeddings. Then the capacity checks, overflow, empty appends and reset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecoderTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterAll
    void close() {
        be.close();
    }

    static Stream<Arguments> randomModels() {
        return Stream.of("LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM")
                .flatMap(arch -> Stream.of(1L, 2L).map(seed -> Arguments.of(arch, seed)));
    }

    /** A random small model: sizes drawn from the seed, the head tied for odd seeds. */
    private CausalLM randomModel(String arch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed * 31 + arch.length());
        // KV = seed: one key/value head, then two (n * KV and n / KV must differ in the q/k-norm views)
        int kv = (int) seed, heads = kv * (1 + rng.nextInt(2)), headDim = 2 * (2 + rng.nextInt(3));
        int hidden = 8 + 4 * rng.nextInt(3), ffn = 8 + 4 * rng.nextInt(3), vocab = 20 + rng.nextInt(20);
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder(arch, hidden, 2, heads, kv, headDim, ffn, vocab, 24, seed % 2 == 1));
        // std 0.5: logits spread out, so that a wrong row or position shows far above rounding
        return new CausalLM(c, RandomInit.parameters(be, c, seed, 0.5), be);
    }

    /** The full pass over ids as one sequence: its activations, logits [T, V] included. */
    private Activations fullForward(CausalLM lm, int[] ids) {
        Activations a = lm.allocateActivations(1, ids.length);
        lm.setInput(a, ids);
        lm.forward(a);
        return a;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double max = 0, diff = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(want[i] - got[i]));
        }
        assertTrue(max > 0, what + ": all zero");
        assertTrue(diff <= 1e-4 * max + 1e-5, what + ": differs by " + diff + " (max |x| " + max + ")");
    }

    @ParameterizedTest
    @MethodSource("randomModels")
    void chunkedDecodingGivesTheFullPassLogitsAndCache(String arch, long seed) {
        CausalLM lm = randomModel(arch, seed);
        ModelConfig c = lm.config();
        SplittableRandom rng = new SplittableRandom(seed);
        int capacity = 14 + (int) seed;   // below max_position_embeddings (24): the RoPE tables are the decoder's own
        int[] ids = rng.ints(capacity, 0, c.vocabSize()).toArray();
        Activations full = fullForward(lm, ids);
        int v = c.vocabSize();
        float[] logits = be.downloadFloats(full.logits);   // [T, V]

        Decoder d = new Decoder(lm, capacity);
        assertEquals(capacity, d.cache().capacity());
        assertEquals(0, d.cache().length());
        int p = 0;
        while (p < capacity) {
            int n = p == 0 ? 4 : Math.min(capacity - p, 1 + rng.nextInt(3));   // the prompt, then 1..3 tokens
            float[] got = d.append(Arrays.copyOfRange(ids, p, p + n));
            p += n;
            assertEquals(p, d.cache().length(), "positions after the append");
            assertClose(Arrays.copyOfRange(logits, (p - 1) * v, p * v), got, arch + " logits at position " + (p - 1));
        }
        for (int l = 0; l < c.numLayers(); l++) {
            assertClose(be.downloadFloats(full.layers[l].k), be.downloadFloats(d.cache().keys(l)), "cached keys of layer " + l);
            assertClose(be.downloadFloats(full.layers[l].v), be.downloadFloats(d.cache().values(l)), "cached values of layer " + l);
        }
    }

    @ParameterizedTest
    @MethodSource("randomModels")
    void resetStartsOverAtPositionZero(String arch, long seed) {
        CausalLM lm = randomModel(arch, seed);
        int vocab = lm.config().vocabSize();
        int[] first = {1, 2, 3, 4, 5, 6, 7}, second = {vocab - 1, 0, vocab - 2};
        Decoder d = new Decoder(lm, 10);
        d.append(first);
        d.reset();
        assertEquals(0, d.cache().length());
        float[] afterReset = d.append(second);
        float[] fresh = new Decoder(lm, 10).append(second);
        // the stale rows of the first sequence are still in the buffers: they must not be read
        assertArrayEquals(fresh, afterReset, "after reset, as a new decoder");
        assertEquals(second.length, d.cache().length());
        float[] full = be.downloadFloats(fullForward(lm, second).logits);
        assertClose(Arrays.copyOfRange(full, 2 * vocab, 3 * vocab), afterReset, "after reset, as the full pass");
    }

    @Test
    void capacityMustLieWithinMaxPositions() {
        CausalLM lm = randomModel("LlamaForCausalLM", 1);   // 24 positions
        assertEquals("KV cache capacity 0 is outside [1, max_position_embeddings = 24]",
                assertThrows(IllegalArgumentException.class, () -> new Decoder(lm, 0)).getMessage());
        assertEquals("KV cache capacity 25 is outside [1, max_position_embeddings = 24]",
                assertThrows(IllegalArgumentException.class, () -> new Decoder(lm, 25)).getMessage());
        assertEquals(1, new Decoder(lm, 1).cache().capacity());
        assertEquals(24, new Decoder(lm, 24).cache().capacity());
    }

    @Test
    void appendsBeyondTheCapacityOrEmptyAreRefused() {
        CausalLM lm = randomModel("Qwen3ForCausalLM", 2);
        Decoder d = new Decoder(lm, 5);
        assertEquals("no tokens to append",
                assertThrows(IllegalArgumentException.class, () -> d.append(new int[0])).getMessage());
        assertEquals("positions 0 .. 5 exceed the KV cache of 5 positions",
                assertThrows(IllegalArgumentException.class, () -> d.append(new int[6])).getMessage());
        assertEquals(0, d.cache().length(), "a refused append writes nothing");
        d.append(new int[]{1, 2, 3});
        assertEquals("positions 3 .. 5 exceed the KV cache of 5 positions",
                assertThrows(IllegalArgumentException.class, () -> d.append(new int[3])).getMessage());
        d.append(new int[]{4, 5});   // exactly full
        assertEquals(5, d.cache().length());
        assertEquals("positions 5 .. 5 exceed the KV cache of 5 positions",
                assertThrows(IllegalArgumentException.class, () -> d.append(new int[1])).getMessage());
    }

    @Test
    void outOfRangeTokensAreRefusedBeforeAnythingIsCached() {
        CausalLM lm = randomModel("LlamaForCausalLM", 2);
        Decoder d = new Decoder(lm, 6);
        int vocab = lm.config().vocabSize();
        assertThrows(IllegalArgumentException.class, () -> d.append(new int[]{0, vocab}));
        assertEquals(0, d.cache().length());
    }

    @Test
    void rowsViewsConsecutivePositionsOfALayer() {
        ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);   // KV 2, D 6
        KvCache cache = new KvCache(be, c, 5);
        int row = c.numKvHeads() * c.headDim();
        float[] all = new float[5 * row];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        be.upload(cache.keys(1), all);
        var rows = KvCache.rows(cache.keys(1), 2, 3);
        assertArrayEquals(new int[]{3, row}, rows.shape());
        assertArrayEquals(Arrays.copyOfRange(all, 2 * row, 5 * row), be.downloadFloats(rows));
        assertEquals(5, cache.capacity());
        cache.advance(2);
        cache.advance(1);
        assertEquals(3, cache.length());
        cache.clear();
        assertEquals(0, cache.length());
    }
}
