package dev.redengine.bench;

import dev.redengine.backend.cpu.CpuBackend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times the {@link TrainStep} of the 10M Llama outside JMH, for tools/train_step_vs_torch.py and
 * tools/train_step_ab.py: one JVM stays up for a whole interleaved comparison, so that every round is timed warm.
 *
 * <p>It builds the model at B x T on the given threads, runs {@code --warmup-steps} untimed steps, prints one
 * JSON line {@code {"ready":true,...}} (backend, parameters, flops per step, JVM) and then serves rounds: each
 * line read from stdin holds a step count S, and S timed steps answer one JSON line
 * {@code {"times_s":[..],"median_s":..,"tokens_per_s":..,"tokens_per_s_best":..,"loss":..}}
 * (tokens/s = B * T / median or best step time). End of input ends the program. With {@code --rounds R} it runs R
 * rounds of {@code --steps} steps on its own instead and exits.
 *
 * <p>A step is forward, mean causal-LM cross-entropy and backward, no optimizer; gradients are zeroed before
 * each step, outside the timed part (as the script's PyTorch side does with {@code zero_grad}).
 *
 * <pre>
 *   TrainStepTimer [--batch 4] [--seq 256] [--threads 1] [--warmup-steps 2] [--rounds R --steps 3]
 * </pre>
 */
public final class TrainStepTimer {

    public static void main(String[] args) throws IOException {
        int batch = 4, seq = 256, threads = 1, warmup = 2, rounds = 0, steps = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
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
            TrainStep step = new TrainStep(be, batch, seq);
            for (int i = 0; i < warmup; i++) {
                step.model.zeroGradients();
                step.step();
            }
            System.out.printf(Locale.ROOT, "{\"ready\":true,\"backend\":\"%s\",\"batch\":%d,\"seq\":%d,\"threads\":%d,"
                            + "\"params\":%d,\"params_matmul\":%d,\"gflop_per_step\":%.3f,\"java\":\"%s\"}%n",
                    be.name(), batch, seq, threads, step.paramsTotal(), step.paramsMatmul(), step.flops() / 1e9,
                    Runtime.version());
            System.out.flush();
            serveRounds(rounds, steps, n -> round(step, n));
        }
    }

    /**
     * The timers' protocol after the ready line: {@code rounds} rounds of {@code steps} steps when rounds > 0, else
     * one round per stdin line holding its step count, until end of input; each round answers its JSON line.
     */
    static void serveRounds(int rounds, int steps, java.util.function.IntFunction<String> round) throws IOException {
        if (rounds > 0) {
            for (int r = 0; r < rounds; r++) {
                System.out.println(round.apply(steps));
            }
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (!line.isBlank()) {
                System.out.println(round.apply(Integer.parseInt(line.trim())));
                System.out.flush();
            }
        }
    }

    /** Runs {@code steps} timed steps and returns their JSON line. */
    static String round(TrainStep step, int steps) {
        double[] times = new double[Math.max(1, steps)];
        float loss = Float.NaN;
        for (int i = 0; i < times.length; i++) {
            step.model.zeroGradients();
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
