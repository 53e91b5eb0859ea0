package dev.redengine.bench;

import dev.redengine.backend.cpu.CpuBackend;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times the {@link DistillStep} outside JMH, for tools/distill_step_vs_torch.py: the same protocol as
 * {@link TrainStepTimer}. It builds teacher and student at B x T on the given threads, runs
 * {@code --warmup-steps} untimed steps, prints one JSON line {@code {"ready":true,...}} and then answers each
 * line "S" on stdin with S timed steps as one JSON line
 * {@code {"times_s":[..],"median_s":..,"tokens_per_s":..,"tokens_per_s_best":..,"loss":..}}. With
 * {@code --rounds R} it runs R rounds of {@code --steps} steps on its own and exits.
 *
 * <p>A step is a whole optimizer step (teacher forward, student forward and backward, AdamW); the student's
 * gradients are zeroed inside it, so all of the step is timed.
 *
 * <pre>
 *   DistillStepTimer [--student projections|all] [--batch 4] [--seq 256] [--threads 1] [--warmup-steps 2]
 *                    [--rounds R --steps 3]
 * </pre>
 */
public final class DistillStepTimer {

    public static void main(String[] args) throws IOException {
        String student = "all";
        int batch = 4, seq = 256, threads = 1, warmup = 2, rounds = 0, steps = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--student" -> student = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup-steps" -> warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (CpuBackend be = new CpuBackend(threads)) {
            DistillStep step = new DistillStep(be, student, batch, seq);
            for (int i = 0; i < warmup; i++) {
                step.step();
            }
            System.out.printf(Locale.ROOT, "{\"ready\":true,\"backend\":\"%s\",\"student\":\"%s\",\"batch\":%d,"
                            + "\"seq\":%d,\"threads\":%d,\"teacher_params\":%d,\"trainable\":%d,\"gflop_per_step\":%.3f,"
                            + "\"loss_terms\":\"%s\",\"temperature\":%.1f,\"java\":\"%s\"}%n",
                    be.name(), student, batch, seq, threads, step.teacher.parameters().count(), step.trainableCount(),
                    step.flops() / 1e9, DistillStep.LOSS, DistillStep.TEMPERATURE, Runtime.version());
            System.out.flush();
            TrainStepTimer.serveRounds(rounds, steps, n -> round(step, n));
        }
    }

    /** Runs {@code steps} timed steps and returns their JSON line. */
    static String round(DistillStep step, int steps) {
        double[] times = new double[Math.max(1, steps)];
        double loss = Double.NaN;
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            loss = step.step();
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        StringBuilder ts = new StringBuilder();
        for (int i = 0; i < times.length; i++) {
            ts.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", times[i]));
        }
        return String.format(Locale.ROOT, "{\"times_s\":[%s],\"median_s\":%.6f,\"tokens_per_s\":%.1f,"
                        + "\"tokens_per_s_best\":%.1f,\"loss\":%.6f}", ts, median, step.tokens() / median,
                step.tokens() / sorted[0], loss);
    }
}
