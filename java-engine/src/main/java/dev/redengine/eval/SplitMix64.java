package dev.redengine.eval;

/**
 * Steele, Lea and Flood's SplitMix64, written out so that tools/make_chain_task.py can repeat it bit for bit
 * (java.util.SplittableRandom has no Python twin): the task generator's only source of randomness.
 */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    public long next() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A draw in [0, n): the unsigned 64-bit value modulo n (the bias, below 2^-58 for n <= 64, does not matter here). */
    public int below(int n) {
        return (int) Long.remainderUnsigned(next(), n);
    }
}
