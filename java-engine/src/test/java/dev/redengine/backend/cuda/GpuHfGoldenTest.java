package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.model.HfGoldenTest;
import org.junit.jupiter.api.Tag;

/** The HF golden fixtures (logits, hidden states, loss, every gradient) on the GPU (tag gpu: tools/gpu-test.sh). */
@Tag("gpu")
class GpuHfGoldenTest extends HfGoldenTest {
    @Override
    protected Backend createBackend() {
        return GpuSupport.backend();
    }
}
