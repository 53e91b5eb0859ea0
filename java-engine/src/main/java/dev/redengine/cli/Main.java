package dev.redengine.cli;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code java -jar red-engine.jar}. The Vector API is an incubator module that no manifest
 * attribute can add, so when it is missing this class starts the same JVM again with
 * {@code --add-modules jdk.incubator.vector} and the caller's JVM options, and passes on the exit code.
 * Nothing here touches a class that needs the module before that check.
 */
public final class Main {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String RELAUNCHED = "REDENGINE_RELAUNCHED";

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
        Process p = pb.start();
        return p.waitFor();
    }

    private static String ownClassPath() throws URISyntaxException {
        var location = Main.class.getProtectionDomain().getCodeSource().getLocation();
        String path = Path.of(location.toURI()).toString();
        String rest = System.getProperty("java.class.path", "");
        return rest.isEmpty() || rest.equals(path) ? path : path + File.pathSeparator + rest;
    }
}
