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

    /** Reports that step is done; message is what the log line or the bar's extra text says about it. */
    void step(int step, String message, double tokensPerSecond) {
        String eta = eta(step);
        String text = String.format("%s  %.0f tokens/s  %s", message, tokensPerSecond, eta);
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(text);
        } else {
            log.printf("step %5d/%d  %s%n", step, total, text);
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

    private String eta(int step) {
        double secs = (System.nanoTime() - start) / 1e9;
        int done = step - first + 1;
        double left = done > 0 ? secs / done * (total - step) : 0;
        return String.format("elapsed %s  ETA %s", clock(secs), clock(left));
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
