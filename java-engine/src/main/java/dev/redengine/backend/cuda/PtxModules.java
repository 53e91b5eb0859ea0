package dev.redengine.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX that native/build.sh packs into the jar ({@code dev/redengine/backend/cuda/ptx/<module>.sm<arch>.ptx},
 * for compute_80 and compute_90): which one a device runs, and each kernel's parameter list read from its
 * {@code .entry}, so that a launch with the wrong arguments is refused in Java instead of reading garbage on the
 * device (cuLaunchKernel itself does not check them).
 */
final class PtxModules {
    /** The PTX architectures built; a device runs the highest one not above its compute capability. */
    static final int[] ARCHES = {90, 80};

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.([a-z]+)(\\d+)\\b");

    private PtxModules() {
    }

    /**
     * The PTX architecture for a device of compute capability major.minor: 90 for 9.x and above (H100/H200,
     * forward-compatible PTX JIT-compiled by the driver), 80 for 8.x (A100, RTX 30/40).
     *
     * @throws IllegalStateException below 8.0 (the kernels use bf16 conversions and shuffles of sm_80)
     */
    static int archFor(int major, int minor) {
        int cc = major * 10 + minor;
        for (int arch : ARCHES) {
            if (cc >= arch) {
                return arch;
            }
        }
        throw new IllegalStateException("the GPU has compute capability " + major + "." + minor
                + "; red-engine's kernels need 8.0 or newer (PTX is built for compute_80 and compute_90)");
    }

    static String resource(String module, int arch) {
        return "ptx/" + module + ".sm" + arch + ".ptx";
    }

    /** The PTX text of {@code module} for {@code arch}, from the jar. */
    static String load(String module, int arch) {
        String name = resource(module, arch);
        try (InputStream in = PtxModules.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no PTX " + PtxModules.class.getPackageName().replace('.', '/') + "/" + name
                        + " (native/build.sh builds it when nvcc is on PATH; the jar was built without it)");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One kernel parameter: its PTX type class (u, s, b or f) and size in bytes. */
    record Param(char kind, int bytes) {
        /** Whether a launch argument (Ptr, Integer, Long, Float) has this parameter's type. */
        boolean accepts(Object arg) {
            return switch (arg) {
                case CudaDriver.Ptr p -> bytes == 8 && kind != 'f';
                case Long l -> bytes == 8 && kind != 'f';
                case Integer i -> bytes == 4 && kind != 'f';
                case Float f -> bytes == 4 && kind == 'f';
                default -> false;
            };
        }

        @Override
        public String toString() {
            return "." + kind + bytes * 8;
        }
    }

    /** The parameters of every {@code .entry} (kernel) of a PTX text, by kernel name, in declaration order. */
    static Map<String, List<Param>> entries(String ptx) {
        Map<String, List<Param>> out = new LinkedHashMap<>();
        Matcher e = ENTRY.matcher(ptx);
        while (e.find()) {
            List<Param> params = new ArrayList<>();
            Matcher p = PARAM.matcher(e.group(2));
            while (p.find()) {
                params.add(new Param(p.group(1).charAt(0), Integer.parseInt(p.group(2)) / 8));
            }
            out.put(e.group(1), List.copyOf(params));
        }
        return out;
    }

    /**
     * Checks launch arguments against a kernel's parameters.
     *
     * @throws IllegalArgumentException naming the kernel, the parameter and both types
     */
    static void check(String kernel, List<Param> params, Object[] args) {
        if (params.size() != args.length) {
            throw new IllegalArgumentException("kernel " + kernel + " takes " + params.size() + " arguments " + params + ", given " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null || !params.get(i).accepts(args[i])) {
                throw new IllegalArgumentException("kernel " + kernel + " argument " + i + " is a " + params.get(i) + ", given "
                        + (args[i] == null ? "null" : args[i].getClass().getSimpleName() + " " + args[i]));
            }
        }
    }
}
