package dev.redengine.train;

/**
 * Linear warmup to the peak, then a decay to {@code floor x peak} at the last step: linear (the papers'
 * schedule) or cosine.
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double floor, Decay decay) {

    /** The shape of the decay after warmup. */
    public enum Decay { LINEAR, COSINE }

    public LrSchedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps <= 0 || floor < 0 || floor > 1 || decay == null) {
            throw new IllegalArgumentException("invalid schedule: peak " + peak + ", warmup " + warmupSteps
                    + ", steps " + totalSteps + ", floor " + floor + ", decay " + decay);
        }
    }

    /** Warmup then linear decay. */
    public LrSchedule(double peak, int warmupSteps, int totalSteps, double floor) {
        this(peak, warmupSteps, totalSteps, floor, Decay.LINEAR);
    }

    /** Learning rate for step (1-based). */
    public float at(int step) {
        if (step <= warmupSteps) {
            return (float) (peak * step / Math.max(1, warmupSteps));
        }
        double progress = Math.min(1, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        if (decay == Decay.LINEAR) {
            return (float) (peak * (1 - (1 - floor) * progress));
        }
        return (float) (peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress))));
    }
}
