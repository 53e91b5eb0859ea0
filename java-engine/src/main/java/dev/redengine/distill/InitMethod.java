package dev.redengine.distill;

/**
 * How a student starts from its teacher: the methods of {@code prune --method} and {@code distill --init}
 * (lower case, as written on the command line).
 */
public enum InitMethod {
    /** RED: the channels of highest activation-aware importance (a selection projection). */
    red,
    /** Channels by weight norms. */
    magnitude,
    /** Minitron: channels, FFN neurons and heads by activations (hard pruning only). */
    minitron,
    /** LRC / EDistill: N(0, 0.02^2) projections. */
    random,
    /** Orthonormal projections. */
    orthogonal;

    /** Whether it chooses channels (its student at step 0 is the teacher hard-pruned). */
    public boolean selectsChannels() {
        return this == red || this == magnitude || this == minitron;
    }

    /** Whether it reads calibration data. */
    public boolean calibrates() {
        return this == red || this == minitron;
    }

    /** Whether its student is naturally a projection student (LRC / RED): the default of --trainable. */
    public boolean projectionByDefault() {
        return this == red || this == random || this == orthogonal;
    }
}
