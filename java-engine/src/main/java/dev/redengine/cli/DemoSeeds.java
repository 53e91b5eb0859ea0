package dev.redengine.cli;

import dev.redengine.eval.ChainTask;

/**
 * The chain-task seeds of one {@code demo} run, all from {@code --seed}: the evaluation problems, the
 * distillation text, the calibration text and the validation text (val CE and eRank). Problem i of depth d comes
 * from draw i of SplitMix64(seed + d), so two seeds closer than {@link ChainTask#MAX_DEPTH} share problems across
 * depths: the derived seeds lie far apart, and none may come near the teacher's training seed, whose problems the
 * teacher may have memorised.
 */
record DemoSeeds(long eval, long train, long calibration, long validation) {
    /** Far apart for every --seed: a large odd stride, so the four streams never come within MAX_DEPTH of each other. */
    static final long STRIDE = 1_000_003L;

    static DemoSeeds of(long seed, Long teacherTrainSeed) {
        DemoSeeds s = new DemoSeeds(seed, seed + STRIDE, seed + 2 * STRIDE, seed + 3 * STRIDE);
        if (teacherTrainSeed != null) {
            for (long v : new long[]{s.eval, s.train, s.calibration, s.validation}) {
                if (Math.abs(v - teacherTrainSeed) <= ChainTask.MAX_DEPTH) {
                    throw new IllegalArgumentException("--seed " + seed + " gives chain problems (seed " + v
                            + ") that overlap the teacher's training problems (train_seed " + teacherTrainSeed
                            + " in its chain_task.json); choose another --seed");
                }
            }
        }
        return s;
    }
}
