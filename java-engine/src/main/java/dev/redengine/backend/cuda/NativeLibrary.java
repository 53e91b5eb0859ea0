package dev.redengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A shared library of the CUDA toolkit opened by soname (libcuda.so.1, libcublas.so.13, ...) through the
 * dynamic loader, so that LD_LIBRARY_PATH and the system's ld.so.cache decide where it lives, as for a C program.
 * Candidates are tried in order (e.g. the soname of this CUDA major, then of the previous one); when none loads,
 * the error names every soname tried and what would fix it. A symbol the library lacks is an error naming the
 * symbol and the library, not a bare {@link java.util.NoSuchElementException}.
 */
final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String soname;
    private final SymbolLookup lookup;

    private NativeLibrary(String soname, SymbolLookup lookup) {
        this.soname = soname;
        this.lookup = lookup;
    }

    /**
     * The first of {@code sonames} that the dynamic loader opens (kept open for the life of the JVM: the
     * toolkit's libraries are never unloaded).
     *
     * @param what what the library is for, for the error ("the CUDA driver", "cuBLAS")
     * @throws IllegalStateException naming what, every soname tried and the loader's reasons
     */
    static NativeLibrary open(String what, List<String> sonames) {
        return open(what, sonames, name -> SymbolLookup.libraryLookup(name, Arena.global()));
    }

    /** {@link #open(String, List)} with the loader as a parameter (tests). */
    static NativeLibrary open(String what, List<String> sonames, Loader loader) {
        List<String> reasons = new ArrayList<>();
        for (String name : sonames) {
            try {
                return new NativeLibrary(name, loader.load(name));
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                reasons.add(name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        throw new IllegalStateException(what + " is not available: none of " + String.join(", ", sonames)
                + " could be loaded (" + String.join("; ", reasons) + "); install it or add its folder to LD_LIBRARY_PATH");
    }

    /** Opens a library by soname; IllegalArgumentException when it cannot be found (as SymbolLookup.libraryLookup). */
    @FunctionalInterface
    interface Loader {
        SymbolLookup load(String soname);
    }

    String soname() {
        return soname;
    }

    /** A downcall handle for {@code symbol}; IllegalStateException naming it and this library if it is missing. */
    MethodHandle function(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lookup.find(symbol).orElseThrow(() -> new IllegalStateException(
                soname + " has no symbol " + symbol + " (a library of another CUDA version than red-engine was written for?)")),
                descriptor);
    }
}
