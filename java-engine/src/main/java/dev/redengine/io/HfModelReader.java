package dev.redengine.io;

import dev.redengine.backend.Backend;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Loads an HF model folder ({@code config.json} + safetensors, one file or shards) onto a backend as float32.
 * Every parameter the config implies must be present with exactly the implied shape; extra tensors (an old
 * {@code rotary_emb.inv_freq}, an {@code lm_head.weight} beside tied embeddings) are ignored as HF does.
 */
public final class HfModelReader {
    private HfModelReader() {
    }

    public static CausalLM load(Path dir, Backend backend) throws IOException {
        ModelConfig config = ModelConfig.load(dir);
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            return new CausalLM(config, read(checkpoint, config, backend), backend);
        }
    }

    public static Parameters read(TensorSource source, ModelConfig config, Backend backend) throws IOException {
        // names and shapes first, so that a wrong file costs no allocation and reads no weights
        checkTensors(source, config);
        Parameters params = Parameters.allocate(backend, ParameterSpec.of(config));
        for (ParameterSpec spec : ParameterSpec.of(config)) {
            float[] values = source.readFloat32(spec.name());
            requireFinite(source, spec.name(), values);
            backend.upload(params.get(spec.name()), values);
        }
        return params;
    }

    /**
     * Every parameter the config implies is present with exactly the implied shape (what {@link #read} needs and
     * {@code info} reports without reading weights); a {@link MissingTensorException} or
     * {@link SafetensorsFormatException} naming the tensor and the file if not.
     */
    public static void checkTensors(TensorSource source, ModelConfig config) throws IOException {
        for (ParameterSpec spec : ParameterSpec.of(config)) {
            TensorInfo info = source.require(spec.name());
            if (!Arrays.equals(info.shape(), Arrays.stream(spec.shape()).asLongStream().toArray())) {
                throw new SafetensorsFormatException("tensor " + spec.name() + " in " + source.describe() + " has shape "
                        + Arrays.toString(info.shape()) + " but config.json implies " + Arrays.toString(spec.shape()));
            }
        }
    }

    /**
     * A NaN or infinite weight would otherwise surface only as "loss is NaN" steps later; one pass over values the
     * loader already holds names the tensor instead (a few ms for a 135M model, against reading it).
     */
    static void requireFinite(TensorSource source, String name, float[] values) throws SafetensorsFormatException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new SafetensorsFormatException("tensor " + name + " in " + source.describe() + " holds a non-finite value ("
                        + values[i] + ") at flat index " + i);
            }
        }
    }
}
