package dev.redengine.train;

import dev.redengine.data.SeededShuffle;

/**
 * The order in which a training loop visits N sequences: a seeded shuffle per epoch, the next epoch reshuffled
 * with a seed derived from the step that starts it. Its whole state is (epoch seed, cursor), which a checkpoint
 * saves, so a resumed run reads exactly the sequences the uninterrupted run would have.
 */
public final class DataOrder {
    /** Where the order stands: the seed of the current epoch's shuffle and the next position in it. */
    public record Position(long epochSeed, int cursor) {
    }

    private final int n;
    private final long seed;
    private long epochSeed;
    private int[] order;
    private int cursor;

    public DataOrder(int n, long seed) {
        this(n, seed, new Position(seed, 0));
    }

    public DataOrder(int n, long seed, Position at) {
        if (n <= 0 || at.cursor() < 0 || at.cursor() > n) {
            throw new IllegalArgumentException("data order over " + n + " sequences cannot stand at " + at.cursor());
        }
        this.n = n;
        this.seed = seed;
        this.epochSeed = at.epochSeed();
        this.order = shuffled(n, epochSeed);
        this.cursor = at.cursor();
    }

    /** The index of the next sequence; {@code step} (1-based) seeds the reshuffle when an epoch ends. */
    public int next(int step) {
        if (cursor == n) {
            epochSeed = seed + step;
            order = shuffled(n, epochSeed);
            cursor = 0;
        }
        return order[cursor++];
    }

    public Position position() {
        return new Position(epochSeed, cursor);
    }

    /** The epoch's order: the same permutation for the same seed on every JVM. */
    static int[] shuffled(int n, long seed) {
        return SeededShuffle.permutation(n, seed);
    }
}
