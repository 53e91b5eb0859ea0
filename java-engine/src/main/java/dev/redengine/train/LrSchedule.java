package dev.redengine.train;

/** Linear warmup to the peak, then linear decay to {@code floor x peak} at the last step (the papers' schedule). */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double floor) {

    public LrSchedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps <= 0 || floor < 0 || floor > 1) {
            throw new IllegalArgumentException("invalid schedule: peak " + peak + ", warmup " + warmupSteps
                    + ", steps " + totalSteps + ", floor " + floor);
        }
    }

    /** Learning rate for step (1-based). */
    public float at(int step) {
        if (step <= warmupSteps) {
            return (float) (peak * step / Math.max(1, warmupSteps));
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return (float) (peak * (1 - (1 - floor) * Math.min(1, progress)));
    }
}
