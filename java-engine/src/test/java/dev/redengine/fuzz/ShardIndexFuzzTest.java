package dev.redengine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.io.ShardedCheckpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Any bytes as model.safetensors.index.json beside two valid shards (a.safetensors holds x, b.safetensors holds y):
 * opened, and every name the index maps read.
 */
class ShardIndexFuzzTest {
    @FuzzTest
    void index(byte[] bytes) throws IOException {
        Path dir = FuzzFiles.folder("sharded");
        new SafetensorsWriter().addF32("x", new float[]{1, 2}, 2).write(dir.resolve("a.safetensors"));
        new SafetensorsWriter().addF32("y", new float[]{3}, 1).write(dir.resolve("b.safetensors"));
        FuzzFiles.write(dir, ShardedCheckpoint.INDEX_FILE, bytes);
        ClearErrors.only(() -> {
            try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
                for (String name : ck.names()) {
                    ck.readFloat32(name);
                }
            }
        });
    }
}
