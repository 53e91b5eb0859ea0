package dev.redengine.io;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One safetensors file, memory-mapped read-only and validated when opened.
 *
 * <p>Mapping rather than reading keeps opening cheap (only the header is parsed) and lets weights be converted
 * straight from the page cache into their destination. The mapping lives in a shared arena so tensors can be
 * read from several threads; {@link #close()} unmaps it, after which every segment from {@link #raw} is dead
 * (accessing it throws {@link IllegalStateException} rather than crashing).
 *
 * <p>Caveat: like any mapping, a file truncated by another process while open makes reads fault; the engine
 * treats its checkpoints as immutable while loading, and the writer replaces files atomically.
 */
public final class SafetensorsFile implements TensorSource {
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final SafetensorsHeader header;
    private final List<String> names;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
        this.names = List.copyOf(header.tensors().keySet());
    }

    /** Maps and validates {@code path}; any problem with its contents is a {@link SafetensorsFormatException}. */
    public static SafetensorsFile open(Path path) throws IOException {
        String where = path.toString();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size < 8) {
                    throw new SafetensorsFormatException(where + ": file is " + size
                            + " bytes, shorter than the 8-byte header length");
                }
                // The mapping outlives the channel: closing the channel does not unmap.
                file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            long size = file.byteSize();
            long n = file.get(LE_LONG, 0);
            // n is an unsigned u64: a negative long means >= 2^63, also absurd.
            if (n < 0 || n > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(where + ": header length " + Long.toUnsignedString(n)
                        + " is absurdly large (limit " + SafetensorsHeader.MAX_HEADER_BYTES + "); not a safetensors file?");
            }
            if (n > size - 8) {
                throw new SafetensorsFormatException(where + ": header length " + n + " runs past the end of the file ("
                        + size + " bytes)");
            }
            byte[] headerBytes = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            SafetensorsHeader header = SafetensorsHeader.parse(where, headerBytes, size);
            MemorySegment data = file.asSlice(header.dataOffset()).asReadOnly();
            return new SafetensorsFile(path, arena, data, header);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public List<String> names() {
        return names;
    }

    /** All entries, in header order. */
    public Collection<TensorInfo> tensors() {
        return header.tensors().values();
    }

    /** The {@code __metadata__} map, empty if the file has none (HF writes {"format": "pt"}). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Byte offset of the data buffer in the file (8 + header length). */
    public long dataOffset() {
        return header.dataOffset();
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(header.tensors().get(name));
    }

    @Override
    public TensorInfo info(String name) throws MissingTensorException {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            throw new MissingTensorException(name, describe());
        }
        return t;
    }

    @Override
    public MemorySegment raw(String name) throws MissingTensorException {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteSize());
    }

    @Override
    public float[] readFloat32(String name) throws IOException {
        TensorInfo t = checkConvertible(name, true);
        float[] out = new float[arrayLength(t)];
        Conversions.toFloat32(t.dtype(), raw(name), MemorySegment.ofArray(out), out.length);
        return out;
    }

    @Override
    public void readFloat32(String name, MemorySegment dst) throws IOException {
        TensorInfo t = checkConvertible(name, true);
        checkDestination(t, dst);
        Conversions.toFloat32(t.dtype(), raw(name), dst, t.numel());
    }

    @Override
    public int[] readInt32(String name) throws IOException {
        TensorInfo t = checkConvertible(name, false);
        int[] out = new int[arrayLength(t)];
        convertInt32(t, MemorySegment.ofArray(out));
        return out;
    }

    @Override
    public void readInt32(String name, MemorySegment dst) throws IOException {
        TensorInfo t = checkConvertible(name, false);
        checkDestination(t, dst);
        convertInt32(t, dst);
    }

    @Override
    public Tensor readTensor(String name, Backend backend) throws IOException {
        TensorInfo t = info(name);
        boolean isFloat = t.dtype().convertsToFloat32();
        checkConvertible(name, isFloat);
        int[] shape;
        try {
            shape = t.intShape();
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(describe() + ": tensor '" + name + "' shape "
                    + Arrays.toString(t.shape()) + " has a dimension too large for a Tensor");
        }
        Tensor out = backend.allocate(isFloat ? DType.F32 : DType.I32, shape);
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(out.byteSize(), 64);
            if (isFloat) {
                Conversions.toFloat32(t.dtype(), raw(name), host, t.numel());
            } else {
                convertInt32(t, host);
            }
            backend.upload(out, host);
        }
        return out;
    }

    private void convertInt32(TensorInfo t, MemorySegment dst) throws IOException {
        long bad = Conversions.toInt32(t.dtype(), raw(t.name()), dst, t.numel());
        if (bad >= 0) {
            long v = raw(t.name()).getAtIndex(Conversions.LE_LONG, bad);
            throw new SafetensorsFormatException(describe() + ": tensor '" + t.name() + "' element " + bad + " = " + v
                    + " does not fit int32");
        }
    }

    private TensorInfo checkConvertible(String name, boolean toFloat) throws SafetensorsFormatException {
        TensorInfo t = info(name);
        if (toFloat ? !t.dtype().convertsToFloat32() : !t.dtype().convertsToInt32()) {
            throw new SafetensorsFormatException("unsupported dtype " + t.dtype() + " for tensor '" + name
                    + "' in file " + describe() + " (reading as " + (toFloat ? "float32: F32, F16, BF16" : "int32: I32, I64")
                    + " only)");
        }
        return t;
    }

    private int arrayLength(TensorInfo t) throws SafetensorsFormatException {
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new SafetensorsFormatException(describe() + ": tensor '" + t.name() + "' has " + n
                    + " elements, too many for a Java array; read it into a MemorySegment");
        }
        return (int) n;
    }

    private void checkDestination(TensorInfo t, MemorySegment dst) {
        long need = t.numel() * 4;
        if (dst.byteSize() != need) {
            throw new IllegalArgumentException("destination of " + dst.byteSize() + " bytes for tensor '" + t.name()
                    + "' " + t.dtype() + Arrays.toString(t.shape()) + " in " + describe() + ": need exactly " + need);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("destination for tensor '" + t.name() + "' is read-only");
        }
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
