package dev.redengine.backend.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a heap {@code float[]} starts relative to a vector boundary, so that {@link Sgemm} can place its packed
 * op(B) panels on aligned addresses: an unaligned 256-bit load crosses a cache line every other time, which
 * measured ~8 % slower in the matmul kernel on Zen 3. Java has no address-of for heap arrays; a critical
 * downcall receives the array's address, and libc's {@code memmove(p, p, 0)} returns it unchanged. The GC may
 * move the array later, so callers ask again per call (~50 ns); a stale answer only costs speed, never
 * correctness. Without native access the answer is 0 (no alignment).
 */
final class HeapAlignment {
    private static final MethodHandle MEMMOVE = lookup();

    private HeapAlignment() {
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memmove")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException e) { // e.g. IllegalCallerException when native access is denied
            return null;
        }
    }

    /** Floats to skip from a[0] to reach an address that is a multiple of {@code bytes} (a power of two). */
    static int floatsToAlign(float[] a, int bytes) {
        if (MEMMOVE == null || a.length == 0) {
            return 0;
        }
        try {
            MemorySegment s = MemorySegment.ofArray(a);
            return floatsToAlign(((MemorySegment) MEMMOVE.invokeExact(s, s, 0L)).address(), bytes);
        } catch (Throwable e) {
            return 0;
        }
    }

    /** Floats from a 4-byte aligned {@code address} to the next multiple of {@code bytes} (a power of two). */
    static int floatsToAlign(long address, int bytes) {
        return (int) ((bytes - (address & (bytes - 1))) & (bytes - 1)) / Float.BYTES;
    }
}
