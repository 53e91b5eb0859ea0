package dev.redengine.backend.cpu;

import dev.redengine.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Scalar conversions between float32 and the 16-bit storage dtypes, element by element in native order. */
final class HalfFloats {
    private HalfFloats() {
    }

    static float load(MemorySegment m, DType dtype, long i) {
        return switch (dtype) {
            case F32 -> m.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case BF16 -> Float.intBitsToFloat((m.getAtIndex(ValueLayout.JAVA_SHORT, i) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT, i));
            case I32 -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        };
    }

    static void store(MemorySegment m, DType dtype, long i, float v) {
        switch (dtype) {
            case F32 -> m.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
            case BF16 -> m.setAtIndex(ValueLayout.JAVA_SHORT, i, toBf16(v));
            case F16 -> m.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
            case I32 -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        }
    }

    /** Round to nearest, ties to even, as PyTorch does; NaN stays a (quiet) NaN instead of rounding to Inf. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
