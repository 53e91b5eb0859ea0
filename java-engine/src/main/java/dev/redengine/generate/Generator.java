package dev.redengine.generate;

import dev.redengine.model.CausalLM;
import dev.redengine.model.Decoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation with a KV cache: the prompt goes through the {@link Decoder} in one chunk, then each
 * chosen token is appended alone. Stops at an end-of-sequence id (not emitted), after maxTokens tokens, or when
 * prompt and generation fill the model's positions.
 */
public final class Generator {
    private final CausalLM lm;
    private final Set<Integer> eos;
    private Decoder decoder;

    public Generator(CausalLM lm, Set<Integer> eos) {
        this.lm = lm;
        this.eos = Set.copyOf(eos);
    }

    /** The generated ids (EOS excluded); each is also handed to {@code onToken} as soon as it is chosen. */
    public List<Integer> generate(int[] prompt, int maxTokens, SamplingSettings settings, IntConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: at least one token is needed");
        }
        int positions = lm.config().maxPositions();
        if (prompt.length >= positions) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the model has only "
                    + positions + " positions (max_position_embeddings), so no token can follow it");
        }
        // the whole sequence, prompt and generated tokens, fits the model's positions (HF's max_length)
        int room = Math.min(maxTokens, positions - prompt.length);
        // a cache for this call's positions only, not max_position_embeddings (131072 for Llama 3.2: 8.6 GB at 1B)
        if (decoder == null || decoder.cache().capacity() < prompt.length + room) {
            decoder = new Decoder(lm, prompt.length + room);
        }
        decoder.reset();
        Sampler sampler = new Sampler(settings);
        List<Integer> out = new ArrayList<>();
        float[] logits = decoder.append(prompt);
        while (out.size() < room) {
            int id = sampler.next(logits);
            if (eos.contains(id)) {
                break;
            }
            out.add(id);
            onToken.accept(id);
            if (out.size() < room) {
                logits = decoder.append(new int[]{id});
            }
        }
        return out;
    }
}
