package dev.redengine.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element conversions between safetensors storage (always little-endian, possibly unaligned inside a mapping)
 * and the engine's native-order float32 / int32 buffers.
 */
final class Conversions {
    private Conversions() {
    }

    // Storage is little-endian by the format; tensors inside a file need not be aligned to their element size.
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** bfloat16 is the top half of a float32, so widening is exact: shift the bits back up. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * float32 to bfloat16 with round-to-nearest-even (what PyTorch's {@code .to(torch.bfloat16)} does). NaN keeps
     * its sign and is forced quiet so that truncating the payload cannot turn it into infinity.
     */
    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /** IEEE binary16, subnormals, infinities and NaN included (the JDK does it exactly). */
    static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /**
     * Converts {@code count} stored elements of {@code dtype} from {@code src} into native-order float32 at
     * {@code dst}. Callers have checked the dtype and the sizes.
     */
    static void toFloat32(SafetensorsDType dtype, MemorySegment src, MemorySegment dst, long count) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, LE_FLOAT, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, count);
            case BF16 -> {
                for (long i = 0; i < count; i++) {
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, bf16ToFloat(src.getAtIndex(LE_SHORT, i)));
                }
            }
            case F16 -> {
                for (long i = 0; i < count; i++) {
                    dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, f16ToFloat(src.getAtIndex(LE_SHORT, i)));
                }
            }
            default -> throw new IllegalArgumentException("no float32 conversion for " + dtype);
        }
    }

    /**
     * Converts stored I32/I64 into native-order int32. Returns the index of the first I64 value that does not fit
     * an int, or -1; the caller turns that into an error naming the tensor.
     */
    static long toInt32(SafetensorsDType dtype, MemorySegment src, MemorySegment dst, long count) {
        switch (dtype) {
            case I32 -> MemorySegment.copy(src, LE_INT, 0, dst, ValueLayout.JAVA_INT_UNALIGNED, 0, count);
            case I64 -> {
                for (long i = 0; i < count; i++) {
                    long v = src.getAtIndex(LE_LONG, i);
                    if (v != (int) v) {
                        return i;
                    }
                    dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) v);
                }
            }
            default -> throw new IllegalArgumentException("no int32 conversion for " + dtype);
        }
        return -1;
    }
}
