package dev.redengine.io;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.model.RandomInit;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HF folders written and read back through HfModelWriter / HfModelReader, ShardedCheckpoint's accessors on a
 * single-file folder, backend tensors of every dtype through SafetensorsWriter.add, TensorInfo's value
 * semantics, AtomicFiles' permissions, and the dtype checks of reads.
 */
class HfFolderAndAccessorsTest {
    private final CpuBackend be = new CpuBackend(2);

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        be.close();
    }

    @Test
    void writtenFolderLoadsBackBitForBitWithItsTokenizerFiles() throws IOException {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("Qwen2ForCausalLM", 8, 1, 2, 1, 4, 12, 11, 16, false));
        Parameters p = RandomInit.parameters(be, c, 5, 0.3);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("tokenizer.json"), "{\"t\": 1}");
        Files.writeString(src.resolve("merges.txt"), "a b\n");
        Path out = tmp.resolve("out");
        HfModelWriter.write(out, c, p, be, src);
        assertEquals("{\"t\": 1}", Files.readString(out.resolve("tokenizer.json")));
        assertEquals("a b\n", Files.readString(out.resolve("merges.txt")));
        assertFalse(Files.exists(out.resolve("vocab.json")));
        try (var s = Files.list(out)) {
            assertEquals(List.of("config.json", "merges.txt", "model.safetensors", "tokenizer.json"),
                    s.map(f -> f.getFileName().toString()).sorted().toList());
        }
        CausalLM back = HfModelReader.load(out, be);
        assertEquals(c.hiddenSize(), back.config().hiddenSize());
        assertEquals(c.architecture(), back.config().architecture());
        Fixtures.assertSameParameters(be, p, back.parameters());
        try (SafetensorsFile st = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(st.names().size(), st.tensors().size());
        }
        Path noTok = tmp.resolve("plain");
        HfModelWriter.write(noTok, c, p, be, null);
        try (var s = Files.list(noTok)) {
            assertEquals(2, s.count());
        }
    }

    @Test
    void aShapeThatDisagreesWithTheConfigIsRefused() throws IOException {
        ModelConfig c = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 12, 11, 16, false));
        Parameters p = RandomInit.parameters(be, c, 5, 0.3);
        Path out = tmp.resolve("m");
        HfModelWriter.write(out, c, p, be, null);
        ModelConfig wider = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", 8, 1, 2, 1, 4, 13, 11, 16, false));
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(out)) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> HfModelReader.read(ck, wider, be));
            assertEquals("tensor model.layers.0.mlp.gate_proj.weight in " + ck.describe() + " has shape [12, 8] but config.json implies [13, 8]",
                    e.getMessage());
        }
    }

    @Test
    void shardedCheckpointAccessorsOnOneFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("one"));
        new SafetensorsWriter().addF32("f", new float[]{1, 2, 3}, 3).addI32("i", new int[]{4, 5}, 2)
                .write(dir.resolve("model.safetensors"));
        MemorySegment raw;
        try (ShardedCheckpoint ck = ShardedCheckpoint.open(dir)) {
            assertEquals(dir, ck.folder());
            assertArrayEquals(new float[]{1, 2, 3}, ck.readFloat32("f"));
            assertArrayEquals(new int[]{4, 5}, ck.readInt32("i"));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment fd = a.allocate(12), id = a.allocate(8);
                ck.readFloat32("f", fd);
                ck.readInt32("i", id);
                assertEquals(3f, fd.getAtIndex(ValueLayout.JAVA_FLOAT, 2));
                assertEquals(5, id.getAtIndex(ValueLayout.JAVA_INT, 1));
            }
            Tensor t = ck.readTensor("i", be);
            assertEquals(DType.I32, t.dtype());
            assertArrayEquals(new int[]{4, 5}, be.downloadInts(t));
            raw = ck.raw("f");
            assertEquals(12, raw.byteSize());
            assertEquals(2f, raw.get(Conversions.LE_FLOAT, 4));
        }
        MemorySegment dead = raw;
        assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_BYTE, 0)); // closing unmaps every shard
    }

    @Test
    void backendTensorsOfEveryDtypeAreStoredAsTheyAre() throws IOException {
        Tensor f = be.allocate(DType.F32, 2), i = be.allocate(DType.I32, 3), b = be.allocate(DType.BF16, 2), h = be.allocate(DType.F16, 2);
        be.upload(f, new float[]{1.5f, -2});
        be.upload(i, new int[]{7, -1, 9});
        Path src = tmp.resolve("src.safetensors");
        new SafetensorsWriter().addBF16("b", new float[]{0.5f, 3}, 2).addF16("h", new float[]{-0.25f, 8}, 2).write(src);
        try (SafetensorsFile st = SafetensorsFile.open(src)) {
            be.upload(b, st.raw("b"));
            be.upload(h, st.raw("h"));
        }
        Path out = tmp.resolve("t.safetensors");
        new SafetensorsWriter().metadata(Map.of("k", "v")).add("f", f, be).add("i", i, be).add("b", b, be).add("h", h, be).write(out);
        try (SafetensorsFile st = SafetensorsFile.open(out)) {
            assertEquals(Map.of("k", "v"), st.metadata());
            assertArrayEquals(new float[]{1.5f, -2}, st.readFloat32("f"));
            assertArrayEquals(new int[]{7, -1, 9}, st.readInt32("i"));
            assertEquals(SafetensorsDType.BF16, st.info("b").dtype());
            assertArrayEquals(new float[]{0.5f, 3}, st.readFloat32("b"));
            assertEquals(SafetensorsDType.F16, st.info("h").dtype());
            assertArrayEquals(new float[]{-0.25f, 8}, st.readFloat32("h"));
        }
    }

    @Test
    void readsRefuseTheOtherKindAndWrongDestinations() throws IOException {
        Path f = tmp.resolve("k.safetensors");
        new SafetensorsWriter().addF32("f", new float[]{1, 2}, 2).addI32("i", new int[]{3, 4}, 2).write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f); Arena a = Arena.ofConfined()) {
            assertEquals("unsupported dtype F32 for tensor 'f' in file " + f + " (reading as int32: I32, I64 only)",
                    assertThrows(SafetensorsFormatException.class, () -> st.readInt32("f")).getMessage());
            assertEquals("unsupported dtype I32 for tensor 'i' in file " + f + " (reading as float32: F32, F16, BF16 only)",
                    assertThrows(SafetensorsFormatException.class, () -> st.readFloat32("i")).getMessage());
            MemorySegment small = a.allocate(4), ro = a.allocate(8).asReadOnly();
            assertThrows(IllegalArgumentException.class, () -> st.readInt32("i", small));
            assertThrows(IllegalArgumentException.class, () -> st.readFloat32("f", small));
            assertEquals("destination for tensor 'i' is read-only",
                    assertThrows(IllegalArgumentException.class, () -> st.readInt32("i", ro)).getMessage());
        }
    }

    @Test
    void tensorInfoValueSemantics() {
        TensorInfo a = new TensorInfo("x", SafetensorsDType.F32, new long[]{2, 3}, 0, 24);
        assertEquals(a, new TensorInfo("x", SafetensorsDType.F32, new long[]{2, 3}, 0, 24));
        assertEquals(a.hashCode(), new TensorInfo("x", SafetensorsDType.F32, new long[]{2, 3}, 0, 24).hashCode());
        assertNotEquals(a, new TensorInfo("y", SafetensorsDType.F32, new long[]{2, 3}, 0, 24));
        assertNotEquals(a, new TensorInfo("x", SafetensorsDType.I32, new long[]{2, 3}, 0, 24));
        assertNotEquals(a, new TensorInfo("x", SafetensorsDType.F32, new long[]{3, 2}, 0, 24));
        assertNotEquals(a, new TensorInfo("x", SafetensorsDType.F32, new long[]{2, 3}, 8, 32));
        assertNotEquals(a, new TensorInfo("x", SafetensorsDType.U8, new long[]{2, 3}, 0, 6));
        assertNotEquals(a, "x");
        assertEquals(2, a.rank());
        assertEquals(3, a.dim(1));
        assertEquals("x: F32[2, 3] @[0, 24)", a.toString());
        assertNotEquals(0, a.hashCode() - new TensorInfo("x", SafetensorsDType.F32, new long[]{2, 3}, 8, 32).hashCode());
    }

    @Test
    void writerShapeOverflowBoundary() {
        SafetensorsWriter w = new SafetensorsWriter();
        long most = Long.MAX_VALUE / 4;
        w.add("ok", SafetensorsDType.F32, new long[]{most}, dst -> { });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.add("big", SafetensorsDType.F32, new long[]{most + 1}, dst -> { }));
        assertEquals("tensor 'big': shape [" + (most + 1) + "] overflows", e.getMessage());
    }

    @Test
    void atomicFilesAreWorldReadable() throws IOException {
        Path f = tmp.resolve("a.txt");
        AtomicFiles.writeString(f, "hello");
        assertEquals("hello", Files.readString(f));
        Path g = tmp.resolve("b.txt");
        AtomicFiles.copy(f, g);
        assertEquals("hello", Files.readString(g));
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(f));
            assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(g));
        }
        try (var s = Files.list(tmp)) {
            assertEquals(2, s.count(), "no temp files left");
        }
        assertTrue(Files.isRegularFile(g));
    }
}
