package dev.redengine.cli;

import java.lang.reflect.InvocationTargetException;

/**
 * The jar's Main-Class, compiled for Java 8 (its own source folder and compiler execution) so that an older
 * {@code java} can load it and say what is wrong instead of failing with UnsupportedClassVersionError on
 * {@link Main}. On Java 25 or newer it hands over to {@code Main} unchanged.
 */
public final class Launcher {
    static final int NEEDED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String spec = System.getProperty("java.specification.version", "unknown");
        if (feature(spec) < NEEDED) {
            System.err.println("error: red-engine needs Java " + NEEDED + " or newer (this is Java " + feature(spec) + "): the java in "
                    + System.getProperty("java.home") + " is too old; run $JAVA_HOME/bin/java -jar red-engine.jar with"
                    + " JAVA_HOME set to a JDK " + NEEDED);
            System.exit(2);
        }
        try {
            Class.forName("dev.redengine.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** 8 for "1.8", 17 for "17"; when unreadable, MAX_VALUE (not refused here: Main then fails as it would). */
    static int feature(String spec) {
        try {
            String s = spec.startsWith("1.") ? spec.substring(2) : spec;
            int dot = s.indexOf('.');
            return Integer.parseInt(dot < 0 ? s : s.substring(0, dot));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
