package dev.redengine.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a safetensors file from named tensors and writes it atomically.
 *
 * <p>Layout, as HF writes it: 8-byte little-endian header length, the JSON header padded with spaces to a
 * multiple of 8 (so the data buffer starts 8-aligned), then the tensors back to back in insertion order. There
 * is no padding between tensors because HF's reader rejects gaps; with 4-byte dtypes every tensor is therefore
 * 4-aligned, and this engine's reader does not need alignment anyway.
 *
 * <p>Atomicity: the file is written to a temporary file in the target's directory, forced to disk, then renamed
 * over the target. A crash or a failing data source leaves either the old file or the new one, never a torn
 * file, and the temporary file is deleted on failure.
 *
 * <p>Data passed in (arrays, segments, tensors) is not copied when added; it is read during {@link #write}, so
 * it must not change in between.
 */
public final class SafetensorsWriter {

    /** Produces a tensor's stored bytes (little-endian) into {@code dst}, which is exactly the tensor's byte size. */
    @FunctionalInterface
    public interface TensorData {
        void fill(MemorySegment dst) throws IOException;
    }

    private record Entry(String name, SafetensorsDType dtype, long[] shape, long byteSize,
                         MemorySegment bytes, TensorData source) {
    }

    /** Largest slice handed to one ByteBuffer write (ByteBuffers are int-indexed). */
    private static final long CHUNK = 1L << 30;

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> values) {
        values.forEach(this::metadata);
        return this;
    }

    public SafetensorsWriter addF32(String name, float[] data, long... shape) {
        checkLength(name, data.length, shape);
        return add(name, SafetensorsDType.F32, shape, dst ->
                MemorySegment.copy(data, 0, dst, Conversions.LE_FLOAT, 0, data.length));
    }

    public SafetensorsWriter addI32(String name, int[] data, long... shape) {
        checkLength(name, data.length, shape);
        return add(name, SafetensorsDType.I32, shape, dst ->
                MemorySegment.copy(data, 0, dst, Conversions.LE_INT, 0, data.length));
    }

    /** Stores float32 values as bfloat16, rounding to nearest even. */
    public SafetensorsWriter addBF16(String name, float[] data, long... shape) {
        checkLength(name, data.length, shape);
        return add(name, SafetensorsDType.BF16, shape, dst -> {
            for (int i = 0; i < data.length; i++) {
                dst.setAtIndex(Conversions.LE_SHORT, i, Conversions.floatToBf16(data[i]));
            }
        });
    }

    /** Stores float32 values as IEEE half, rounding to nearest even (overflow becomes infinity). */
    public SafetensorsWriter addF16(String name, float[] data, long... shape) {
        checkLength(name, data.length, shape);
        return add(name, SafetensorsDType.F16, shape, dst -> {
            for (int i = 0; i < data.length; i++) {
                dst.setAtIndex(Conversions.LE_SHORT, i, Conversions.floatToF16(data[i]));
            }
        });
    }

    /**
     * A tensor of {@code backend} (F32, I32, BF16 or F16), stored with the same dtype and shape. Its bytes are
     * downloaded when the file is written, straight into the output.
     */
    public SafetensorsWriter add(String name, Tensor t, Backend backend) {
        SafetensorsDType dtype = switch (t.dtype()) {
            case F32 -> SafetensorsDType.F32;
            case I32 -> SafetensorsDType.I32;
            case BF16 -> SafetensorsDType.BF16;
            case F16 -> SafetensorsDType.F16;
        };
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return add(name, dtype, shape, dst -> backend.download(t, dst));
        }
        // Big-endian host: download, then swap each element while copying.
        return add(name, dtype, shape, dst -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate(t.byteSize(), 8);
                backend.download(t, host);
                if (t.dtype().byteSize() == 4) {
                    MemorySegment.copy(host, ValueLayout.JAVA_INT_UNALIGNED, 0, dst, Conversions.LE_INT, 0, t.numel());
                } else {
                    MemorySegment.copy(host, ValueLayout.JAVA_SHORT_UNALIGNED, 0, dst, Conversions.LE_SHORT, 0, t.numel());
                }
            }
        });
    }

    /**
     * Bytes already in storage form (little-endian {@code dtype} elements), e.g. {@link SafetensorsFile#raw} of
     * another file; written without conversion.
     */
    public SafetensorsWriter addRaw(String name, SafetensorsDType dtype, long[] shape, MemorySegment bytes) {
        long size = byteSize(name, dtype, shape);
        if (bytes.byteSize() != size) {
            throw new IllegalArgumentException("tensor '" + name + "' " + dtype + Arrays.toString(shape) + " needs "
                    + size + " bytes, got a segment of " + bytes.byteSize());
        }
        return put(new Entry(name, dtype, shape.clone(), size, bytes, null));
    }

    /** A tensor whose bytes are produced only when the file is written. */
    public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, TensorData source) {
        Objects.requireNonNull(source);
        return put(new Entry(name, dtype, shape.clone(), byteSize(name, dtype, shape), null, source));
    }

    private SafetensorsWriter put(Entry e) {
        Objects.requireNonNull(e.name(), "tensor name");
        if (e.name().equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + SafetensorsHeader.METADATA_KEY + "' is reserved, not a tensor name");
        }
        if (entries.putIfAbsent(e.name(), e) != null) {
            throw new IllegalArgumentException("tensor '" + e.name() + "' added twice");
        }
        return this;
    }

    private static long byteSize(String name, SafetensorsDType dtype, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException ex) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " overflows");
            }
        }
        if (n > Long.MAX_VALUE / dtype.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " overflows");
        }
        return n * dtype.byteSize();
    }

    private static void checkLength(String name, int length, long[] shape) {
        long n = byteSize(name, SafetensorsDType.U8, shape);
        if (n != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has " + n
                    + " elements but the array has " + length);
        }
    }

    /** The header bytes, padded with spaces to a multiple of 8. Package-private for tests. */
    byte[] header() throws IOException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries.values()) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json = SafetensorsHeader.JSON.writeValueAsBytes(root);
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Writes the file atomically, replacing {@code target} if it exists. */
    public void write(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        byte[] header = header();
        Path tmp = AtomicFiles.tempFor(abs);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Entry e : entries.values()) {
                    writeEntry(ch, e);
                }
                // Data must be durable before the rename makes it visible, or a crash could expose a hollow file.
                ch.force(true);
            }
            AtomicFiles.commit(tmp, abs);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    private static void writeEntry(FileChannel ch, Entry e) throws IOException {
        if (e.byteSize() == 0) {
            return;
        }
        if (e.bytes() != null) {
            writeSegment(ch, e.bytes());
            return;
        }
        // One tensor at a time in native memory: bounded by the largest tensor, freed right after.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(e.byteSize(), 8);
            e.source().fill(buf);
            writeSegment(ch, buf);
        }
    }

    private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
        if (!seg.isNative() && !seg.isMapped() && seg.heapBase().filter(b -> b instanceof byte[]).isEmpty()) {
            // Heap segments over float[]/int[]/... cannot become ByteBuffers: stage them through native memory.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.min(CHUNK, seg.byteSize()));
                for (long off = 0; off < seg.byteSize(); off += buf.byteSize()) {
                    long n = Math.min(buf.byteSize(), seg.byteSize() - off);
                    MemorySegment.copy(seg, off, buf, 0, n);
                    writeFully(ch, buf.asSlice(0, n).asByteBuffer());
                }
            }
            return;
        }
        for (long off = 0; off < seg.byteSize(); off += CHUNK) {
            writeFully(ch, seg.asSlice(off, Math.min(CHUNK, seg.byteSize() - off)).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Makes the rename itself durable. Not every platform can open a directory; there it is skipped. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Best effort: the data itself is already forced.
        }
    }
}
