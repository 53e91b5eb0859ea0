package dev.redengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SafetensorsWriterAtomicTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void overwriteLeavesNoTempFiles() throws IOException {
        Path f = dir.resolve("m.safetensors");
        new SafetensorsWriter().addF32("a", new float[]{1f}, 1).write(f);
        new SafetensorsWriter().addF32("b", new float[]{2f, 3f}, 2).write(f);
        assertEquals(List.of("m.safetensors"), listing());
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(List.of("b"), st.names());
            assertArrayEquals(new float[]{2f, 3f}, st.readFloat32("b"));
        }
    }

    @Test
    void failingSourceKeepsTheOldFileIntactAndCleansUp() throws IOException {
        Path f = dir.resolve("m.safetensors");
        new SafetensorsWriter().addF32("old", new float[]{4f, 5f}, 2).write(f);
        byte[] before = Files.readAllBytes(f);

        IOException boom = new IOException("disk source died");
        SafetensorsWriter w = new SafetensorsWriter()
                .addF32("first", new float[1000], 1000) // written before the failure: the temp file is non-empty
                .add("second", SafetensorsDType.F32, new long[]{4}, dst -> {
                    dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 1f);
                    throw boom;
                });
        assertSame(boom, assertThrows(IOException.class, () -> w.write(f)));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of("m.safetensors"), listing());

        SafetensorsWriter w2 = new SafetensorsWriter().add("x", SafetensorsDType.I32, new long[]{2}, dst -> {
            throw new IllegalStateException("bug in a producer");
        });
        assertThrows(IllegalStateException.class, () -> w2.write(f));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of("m.safetensors"), listing());
    }

    @Test
    void failureOnAFreshPathCreatesNothing() throws IOException {
        Path f = dir.resolve("new.safetensors");
        SafetensorsWriter w = new SafetensorsWriter().add("x", SafetensorsDType.F32, new long[]{1}, dst -> {
            throw new IOException("nope");
        });
        assertThrows(IOException.class, () -> w.write(f));
        assertFalse(Files.exists(f));
        assertEquals(List.of(), listing());
    }

    @Test
    void missingDirectoryIsAnIOException() {
        SafetensorsWriter w = new SafetensorsWriter().addF32("x", new float[]{1f}, 1);
        assertThrows(IOException.class, () -> w.write(dir.resolve("no/such/dir/m.safetensors")));
    }
}
