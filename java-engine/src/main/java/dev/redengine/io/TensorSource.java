package dev.redengine.io;

import dev.redengine.backend.Backend;
import dev.redengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Read access to named tensors, whether they sit in one safetensors file ({@link SafetensorsFile}) or in a model
 * folder of shards ({@link ShardedCheckpoint}), so that model loaders need not care which.
 *
 * <p>Conversions: {@code readFloat32} accepts F32, F16 and BF16 and widens exactly; {@code readInt32} accepts
 * I32, and I64 when every value fits an int. Any other dtype is a {@link SafetensorsFormatException} naming the
 * dtype, the tensor and the file. Destination segments are written in native byte order, which is what
 * a backend's {@code upload} expects.
 *
 * <p>Segments returned by {@link #raw} are views of the mapping and die with {@link #close()}.
 */
public interface TensorSource extends AutoCloseable {

    /** Tensor names, in header order (per shard, shards in index order for a checkpoint). */
    List<String> names();

    Optional<TensorInfo> find(String name);

    default boolean contains(String name) {
        return find(name).isPresent();
    }

    /** The entry for {@code name}, or a {@link MissingTensorException} naming it and this source. */
    TensorInfo info(String name) throws MissingTensorException;

    /** Same as {@link #info}; the spelling model loaders use for weights they cannot do without. */
    default TensorInfo require(String name) throws MissingTensorException {
        return info(name);
    }

    /** The stored bytes (little-endian, read-only, possibly unaligned), valid until {@link #close()}. */
    MemorySegment raw(String name) throws MissingTensorException;

    /** The tensor widened to float32; it must have fewer than 2^31 elements. */
    float[] readFloat32(String name) throws IOException;

    /** The tensor widened to float32 into {@code dst}, which must be exactly numel * 4 bytes. */
    void readFloat32(String name, MemorySegment dst) throws IOException;

    int[] readInt32(String name) throws IOException;

    /** The tensor as int32 into {@code dst}, which must be exactly numel * 4 bytes. */
    void readInt32(String name, MemorySegment dst) throws IOException;

    /**
     * The tensor on {@code backend} (allocated from its arena): F32 for float dtypes, I32 for integer ones.
     * Dimensions must fit an int.
     */
    Tensor readTensor(String name, Backend backend) throws IOException;

    /** How this source is named in error messages: the file or the folder. */
    String describe();

    @Override
    void close();
}
