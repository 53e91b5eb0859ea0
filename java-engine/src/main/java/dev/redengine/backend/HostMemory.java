package dev.redengine.backend;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The machine memory a new allocation can still get. Native tensors (FFM {@code Arena.allocate}) are not counted
 * against -Xmx or -XX:MaxDirectMemorySize, so their limit is the machine's (or the container's): what Linux reports
 * as {@code MemAvailable}, capped by a cgroup v2 limit ({@code memory.max - memory.current}) when one is set.
 * Elsewhere the JVM's view of free physical memory. Linux overcommits, so a too-large allocation does not fail
 * cleanly: it succeeds, and zero-filling it wakes the OOM killer. Hence checking before allocating.
 */
public final class HostMemory {
    private HostMemory() {
    }

    /** Bytes available for new allocations now. */
    public static long availableBytes() {
        long avail = meminfoAvailable().orElseGet(HostMemory::jvmFree);
        OptionalLong cgroup = cgroupHeadroom();
        return cgroup.isPresent() ? Math.min(avail, cgroup.getAsLong()) : avail;
    }

    private static OptionalLong meminfoAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] parts = line.trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[1]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unreadable /proc: fall back to the JVM's view
        }
        return OptionalLong.empty();
    }

    private static OptionalLong cgroupHeadroom() {
        try {
            String max = Files.readString(Path.of("/sys/fs/cgroup/memory.max")).trim();
            if (max.equals("max")) {
                return OptionalLong.empty();
            }
            long current = Long.parseLong(Files.readString(Path.of("/sys/fs/cgroup/memory.current")).trim());
            return OptionalLong.of(Math.max(0, Long.parseLong(max) - current));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static long jvmFree() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getFreeMemorySize();
        }
        return Long.MAX_VALUE;
    }

    /**
     * Refuses work that needs more than is available: an {@link InsufficientMemoryException} saying what needs how
     * much, what is available, and what would help.
     */
    public static void require(String what, long neededBytes, String remedy) {
        long available = availableBytes();
        if (neededBytes > available) {
            throw new InsufficientMemoryException(what + " needs about " + human(neededBytes) + " but " + human(available)
                    + " of memory is available" + (remedy == null ? "" : "; " + remedy));
        }
    }

    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format("%.1f %s (%,d bytes)", v, units[u], bytes);
    }
}
