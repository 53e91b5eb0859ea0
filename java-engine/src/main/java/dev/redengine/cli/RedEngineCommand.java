package dev.redengine.cli;

import dev.redengine.backend.Backends;
import dev.redengine.backend.InsufficientMemoryException;
import dev.redengine.io.SafetensorsFormatException;
import dev.redengine.model.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** The root command: subcommands, and one place that turns expected failures into a one-line error. */
@Command(name = "red-engine", mixinStandardHelpOptions = true, version = "red-engine 0.1.0",
        description = "Prune and distill Llama/Qwen models without losing their reasoning.",
        subcommands = {InfoCommand.class, ForwardCommand.class, AnalyzeCommand.class, PruneCommand.class, TrainCommand.class, DistillCommand.class,
                GenerateCommand.class, EvalCommand.class, DemoCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class RedEngineCommand {

    static int execute(String[] args) {
        return execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new RedEngineCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.getCommandSpec().usageMessage().footer(devicesFooter());
        // a flag picocli cannot parse (unknown, missing, not a number) gets one line too, not the whole usage
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("error: " + e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ")
                    + " (see `" + c.getCommandSpec().qualifiedName() + " --help`)");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (System.getenv("REDENGINE_DEBUG") != null) {
                e.printStackTrace();
            }
            commandLine.getErr().println("error: " + describe(e));
            return isUserError(e) ? 2 : 1;
        });
        return cl.execute(args);
    }

    /** The --device choices of this machine, with the CPU path in effect (vector width, cores), for --help. */
    static String devicesFooter() {
        StringBuilder sb = new StringBuilder("%nDevices (--device; auto = the available one of highest priority):");
        for (String line : Backends.installed().describe()) {
            sb.append("%n  ").append(line.replace("%", "%%"));
        }
        return sb.toString();
    }

    private static boolean isUserError(Throwable e) {
        return e instanceof ConfigException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException
                || e instanceof ArithmeticException || e instanceof InsufficientMemoryException;
    }

    private static String describe(Throwable e) {
        if (e instanceof SafetensorsFormatException || e instanceof ConfigException) {
            return e.getMessage();
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
