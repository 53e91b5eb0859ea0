package dev.redengine.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.Console;
import java.io.PrintWriter;

/**
 * Progress over a run made of several kinds of work (evaluated problems, training steps), counted in units of
 * roughly equal cost: a bar with the current phase and the ETA when stderr is a terminal, else a log line when the
 * phase changes and at most every {@link #LOG_SECONDS} seconds (a file or a pipe gets no control characters).
 */
final class WorkProgress implements AutoCloseable {
    static final double LOG_SECONDS = 15;

    private final PrintWriter log;
    private final ProgressBar bar;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private String phase = "";
    private double lastLog;

    WorkProgress(String task, PrintWriter log, long total) {
        this.log = log;
        this.total = total;
        Console console = System.console();
        this.bar = console != null && console.isTerminal()
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(250).build()
                : null;
    }

    /** Starts a phase (shown beside the bar, or logged). */
    void phase(String name) {
        phase = name;
        if (bar != null) {
            bar.setExtraMessage(name);
        } else {
            logLine();
        }
    }

    /** Adds units of work done; detail (e.g. the loss) is shown after the phase. */
    void advance(long units, String detail) {
        done = Math.min(total, done + units);
        String message = detail.isEmpty() ? phase : phase + "  " + detail;
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(message);
        } else if (seconds() - lastLog >= LOG_SECONDS) {
            logLine();
        }
    }

    void advance(long units) {
        advance(units, "");
    }

    /** A line that is not progress (a result): above the bar, or a log line. */
    void note(String line) {
        if (bar != null) {
            System.err.print("\r\033[K");
        }
        log.println(line);
        log.flush();
    }

    private void logLine() {
        lastLog = seconds();
        log.printf("%3.0f%%  %s  elapsed %s  ETA %s%n", 100.0 * done / total, phase, clock(lastLog),
                done > 0 ? clock(lastLog / done * (total - done)) : "?");
        log.flush();
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    static String clock(double secs) {
        long s = Math.round(secs);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.stepTo(done);
            bar.close();
        }
    }
}
