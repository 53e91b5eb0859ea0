package dev.redengine.cli;

import dev.redengine.backend.HostMemory;
import dev.redengine.backend.InsufficientMemoryException;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** More memory than the machine has is a clear error with the bytes needed and available, before anything is allocated. */
class MemoryLimitTest {
    @TempDir
    Path tmp;

    @Test
    void availableMemoryIsPositiveAndBelowWhatNoMachineHas() {
        long a = HostMemory.availableBytes();
        assertTrue(a > 0 && a < (1L << 50), "available " + a);
    }

    @Test
    void aTensorLargerThanTheMachineIsRefusedNamingItsSize() {
        try (CpuBackend be = new CpuBackend(1)) {
            InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class, () -> be.allocate(1 << 20, 1 << 18));
            String m = e.getMessage();
            assertTrue(m.contains("[1048576, 262144]") && m.contains("1,099,511,627,776 bytes") && m.contains("available"), m);
        }
    }

    @Test
    void trainingAModelTooLargeForTheMachineIsOneLineBeforeAnyWork() throws IOException {
        // tiny-llama's config with a vocabulary of 2^30: ~1 TiB of training state, config only (--from-scratch)
        Path model = Files.createDirectory(tmp.resolve("huge"));
        String config = Files.readString(Fixtures.dir("tiny-llama").resolve("config.json"));
        Files.writeString(model.resolve("config.json"), config.replace("\"vocab_size\": 320", "\"vocab_size\": 1073741824"));
        Path data = tmp.resolve("data.safetensors");
        new SafetensorsWriter().addI32("input_ids", new int[]{1, 2, 3, 4, 5, 6}, 2, 3).write(data);
        CliTest.Result r = CliTest.run("train", "--model", model.toString(), "--from-scratch", "--data", data.toString(),
                "--seq-len", "3", "--steps", "1", "--batch", "1", "--out", tmp.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("error: training at --batch 1 --seq-len 3") && err.contains("needs about")
                && err.contains("available") && err.contains("smaller --batch"), err);
    }
}
