package dev.redengine.io;

import java.util.Optional;

/**
 * Element types that the safetensors format names, spelled exactly as in the JSON header.
 *
 * <p>All of them are recognised so that a file holding, say, an F64 buffer still opens and its other tensors stay
 * readable; only {@link #F32}, {@link #F16}, {@link #BF16} (to float32) and {@link #I32}, {@link #I64} (to int32)
 * can be converted. Sub-byte types (F4, F6_*) are not listed: their byte size is not an integer per element, so
 * they are treated as unknown and rejected when the file is opened.
 */
public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), F8_E8M0(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8), C64(8);

    private final int byteSize;

    SafetensorsDType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The dtype a header string names, or empty for a string the format does not define. */
    public static Optional<SafetensorsDType> fromName(String name) {
        for (SafetensorsDType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code readFloat32} accepts this dtype. */
    public boolean convertsToFloat32() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** Whether {@code readInt32} accepts this dtype (I64 with a range check). */
    public boolean convertsToInt32() {
        return this == I32 || this == I64;
    }
}
