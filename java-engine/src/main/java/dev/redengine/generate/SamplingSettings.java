package dev.redengine.generate;

/**
 * How the next token is chosen from the logits. temperature 0 = greedy (argmax, the lowest id on ties);
 * otherwise softmax(logits / temperature) restricted to the topK most likely tokens (0 = all) and then to the
 * smallest set whose probability reaches topP (1 = all), sampled with a generator seeded by {@code seed}.
 */
public record SamplingSettings(double temperature, int topK, double topP, long seed) {

    public static final SamplingSettings GREEDY = new SamplingSettings(0, 0, 1, 0);

    public SamplingSettings {
        if (!Double.isFinite(temperature) || temperature < 0) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 = no limit), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
