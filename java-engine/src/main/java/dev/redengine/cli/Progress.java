package dev.redengine.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Progress of a training loop: a progress bar (step, loss, tokens/s, elapsed, ETA) when stderr is a terminal,
 * plain log lines otherwise (a file or a pipe gets no control characters).
 */
final class Progress implements AutoCloseable {
    private final PrintWriter log;
    private final ProgressBar bar;
    private final int first;
    private final int total;
    private final long start = System.nanoTime();

    /** first: the step this invocation starts at (after a resume); total: the run's last step. */
    Progress(String task, PrintWriter log, int first, int total) {
        this.log = log;
        this.first = first;
        this.total = total;
        Console console = System.console();
        this.bar = console != null && console.isTerminal()
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(250)
                        .startsFrom(first - 1, Duration.ZERO).hideEta().build()
                : null;
    }

    /**
     * Reports that step is done: the log line says {@code message}, the bar (one terminal line) only the loss,
     * tokens/s and the ETA.
     */
    void step(int step, String message, double loss, double tokensPerSecond) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format("loss %.4f  %.0f tok/s  ETA %s", loss, tokensPerSecond, clock(secondsLeft(step))));
        } else {
            double secs = (System.nanoTime() - start) / 1e9;
            log.printf("step %5d/%d  %s  %.0f tokens/s  elapsed %s  ETA %s%n", step, total, message, tokensPerSecond,
                    clock(secs), clock(secondsLeft(step)));
            log.flush();
        }
    }

    /** A line that is not a step (a checkpoint, a validation): above the bar, or a log line. */
    void note(String line) {
        if (bar != null) {
            System.err.print("\r\033[K");
        }
        log.println(line);
        log.flush();
    }

    private double secondsLeft(int step) {
        double secs = (System.nanoTime() - start) / 1e9;
        int done = step - first + 1;
        return done > 0 ? secs / done * (total - step) : 0;
    }

    private static String clock(double secs) {
        long s = Math.round(secs);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
