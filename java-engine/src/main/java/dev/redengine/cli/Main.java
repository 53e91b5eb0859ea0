package dev.redengine.cli;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of {@code java -jar red-engine.jar}. The Vector API is an incubator module that no manifest
 * attribute can add, so when it is missing this class starts the same JVM again with
 * {@code --add-modules jdk.incubator.vector} and the caller's JVM options, and passes on the exit code.
 * Stopping the parent stops the child: a SIGTERM/SIGINT to the parent is passed on by a shutdown hook, and the
 * child exits by itself when its parent is gone (which covers a SIGKILL of the parent).
 * Nothing here touches a class that needs the module before that check.
 */
public final class Main {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String RELAUNCHED = "REDENGINE_RELAUNCHED";
    /** Set for the relaunched JVM: the pid of the JVM that started it, which it watches. */
    static final String PARENT_PID = "REDENGINE_PARENT_PID";
    /** How long the parent lets the relaunched JVM stop after SIGTERM before it kills it. */
    private static final long GRACE_MS = 5_000;
    private static final long WATCH_MS = 200;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            if (System.getenv(RELAUNCHED) != null) {
                System.err.println("error: the JVM was relaunched with --add-modules " + VECTOR_MODULE
                        + " but the module is still missing: use a full JDK 25 (not a jlink'd runtime without it)");
                System.exit(70);
            }
            System.exit(relaunch(args));
        }
        watchParent();
        System.exit(RedEngineCommand.execute(args));
    }

    private static int relaunch(String[] args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("--add-modules");
        cmd.add(VECTOR_MODULE);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(ownClassPath());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(RELAUNCHED, "1");
        pb.environment().put(PARENT_PID, Long.toString(ProcessHandle.current().pid()));
        Process p = pb.start();
        // SIGTERM, SIGINT or SIGHUP to this JVM runs the shutdown hooks: stop the child with it (SIGTERM, then SIGKILL
        // after a grace period). A SIGKILL runs no hook; the child notices that itself (watchParent).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(p), "red-engine-stop-child"));
        return p.waitFor();
    }

    private static void stop(Process child) {
        if (!child.isAlive()) {
            return;
        }
        child.destroy();
        try {
            if (!child.waitFor(GRACE_MS, TimeUnit.MILLISECONDS)) {
                child.destroyForcibly();
                child.waitFor(GRACE_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * In the relaunched JVM: exits as soon as the JVM that started it is gone (however it was stopped, SIGKILL
     * included), so that no run goes on orphaned. Its parent changes (to the reaper) when the parent dies.
     */
    static void watchParent() {
        String env = System.getenv(PARENT_PID);
        if (env == null) {
            return;
        }
        long parent = Long.parseLong(env);
        if (!parentIs(parent)) {
            Runtime.getRuntime().halt(143);
        }
        Thread.ofPlatform().daemon().name("red-engine-parent-watch").start(() -> {
            while (parentIs(parent)) {
                try {
                    Thread.sleep(WATCH_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(143); // 128 + SIGTERM: stopped from outside
        });
    }

    private static boolean parentIs(long pid) {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == pid;
    }

    private static String ownClassPath() throws URISyntaxException {
        var location = Main.class.getProtectionDomain().getCodeSource().getLocation();
        String path = Path.of(location.toURI()).toString();
        String rest = System.getProperty("java.class.path", "");
        return rest.isEmpty() || rest.equals(path) ? path : path + File.pathSeparator + rest;
    }
}
