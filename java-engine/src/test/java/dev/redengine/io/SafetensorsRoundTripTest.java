package dev.redengine.io;

import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void f32AndI32RoundTripWithMetadataAndOrder() throws IOException {
        float[] w = {1.5f, -2.25f, 0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, 3.1415927f};
        int[] ids = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 42, 7};
        Path f = dir.resolve("a.safetensors");
        new SafetensorsWriter()
                .metadata("format", "pt")
                .addF32("z.weight", w, 2, 4)
                .addI32("a.ids", ids, 3, 2)
                .write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(List.of("z.weight", "a.ids"), st.names(), "insertion order kept");
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(0, st.dataOffset() % 8, "header padded to a multiple of 8");
            TensorInfo info = st.info("z.weight");
            assertEquals(SafetensorsDType.F32, info.dtype());
            assertArrayEquals(new long[]{2, 4}, info.shape());
            assertEquals(0, info.begin());
            assertEquals(32, info.end());
            assertEquals(new TensorInfo("a.ids", SafetensorsDType.I32, new long[]{3, 2}, 32, 56), st.info("a.ids"));
            assertArrayEquals(w, st.readFloat32("z.weight"));
            assertArrayEquals(ids, st.readInt32("a.ids"));

            try (Arena arena = Arena.ofConfined(); CpuBackend be = new CpuBackend(1)) {
                Tensor t = st.readTensor("z.weight", be);
                assertEquals(DType.F32, t.dtype());
                assertArrayEquals(new int[]{2, 4}, t.shape());
                assertArrayEquals(w, be.downloadFloats(t));
                Tensor ti = st.readTensor("a.ids", be);
                assertEquals(DType.I32, ti.dtype());
                assertArrayEquals(ids, be.downloadInts(ti));
                MemorySegment dst = arena.allocate(32);
                st.readFloat32("z.weight", dst);
                assertArrayEquals(w, dst.toArray(ValueLayout.JAVA_FLOAT));
                assertThrows(IllegalArgumentException.class, () -> st.readFloat32("z.weight", arena.allocate(28)));
            }
        }
        // The header is exactly what HF expects: length prefix, JSON, spaces.
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"z.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,32]}"), header);
        assertEquals(8 + n + 32 + 24, bytes.length);
    }

    @Test
    void emptyAndScalarTensors() throws IOException {
        Path f = dir.resolve("edge.safetensors");
        new SafetensorsWriter()
                .addF32("empty", new float[0], 3, 0, 2)
                .addF32("scalar", new float[]{7.5f})
                .addI32("empty.ids", new int[0], 0)
                .write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(0, st.info("empty").numel());
            assertEquals(0, st.info("empty").byteSize());
            assertArrayEquals(new float[0], st.readFloat32("empty"));
            assertArrayEquals(new long[0], st.info("scalar").shape());
            assertEquals(1, st.info("scalar").numel());
            assertArrayEquals(new float[]{7.5f}, st.readFloat32("scalar"));
            assertArrayEquals(new int[0], st.readInt32("empty.ids"));
            try (CpuBackend be = new CpuBackend(1)) {
                assertEquals(0, st.readTensor("scalar", be).rank());
                assertArrayEquals(new int[]{3, 0, 2}, st.readTensor("empty", be).shape());
            }
        }
    }

    @Test
    void noTensorsAtAll() throws IOException {
        Path f = dir.resolve("none.safetensors");
        new SafetensorsWriter().write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(List.of(), st.names());
            assertEquals(Map.of(), st.metadata());
        }
    }

    @Test
    void bf16KnownBitsReadAndWrite() throws IOException {
        // bf16 bits -> exact float32 value
        int[] bits = {0x3F80, 0xC000, 0x0000, 0x8000, 0x7F80, 0xFF80, 0x3E20, 0x0001, 0x7F7F};
        float[] expect = {1f, -2f, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.15625f,
                Float.intBitsToFloat(0x00010000), Float.intBitsToFloat(0x7F7F0000)};
        Path f = StFiles.write(dir.resolve("bf16.safetensors"),
                "{\"t\":{\"dtype\":\"BF16\",\"shape\":[9],\"data_offsets\":[0,18]}}".getBytes(StandardCharsets.UTF_8),
                StFiles.le16(bits));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(expect, st.readFloat32("t"));
        }
        // Writing rounds to nearest, ties to even.
        float[] in = {1f, 1.00390625f /* tie -> 1.0 */, 1.01171875f /* tie -> 1.015625 */, Math.nextUp(1.00390625f) /* just above the tie */,
                Float.MAX_VALUE /* rounds to inf */, Float.NaN, -3f};
        float[] out = {1f, 1f, 1.015625f, 1.0078125f, Float.POSITIVE_INFINITY, Float.NaN, -3f};
        Path g = dir.resolve("bf16w.safetensors");
        new SafetensorsWriter().addBF16("w", in, 7).write(g);
        try (SafetensorsFile st = SafetensorsFile.open(g)) {
            assertEquals(SafetensorsDType.BF16, st.info("w").dtype());
            assertEquals(14, st.info("w").byteSize());
            assertArrayEquals(out, st.readFloat32("w"));
        }
    }

    @Test
    void f16KnownBitsIncludingSubnormalsInfAndNan() throws IOException {
        int[] bits = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0200, 0x03FF, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0x3555};
        float[] expect = {1f, -2f, 65504f, 0x1p-24f, 0x1p-15f, 1023 * 0x1p-24f, 0x1p-14f, -0f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.33325195f};
        Path f = StFiles.write(dir.resolve("f16.safetensors"),
                "{\"t\":{\"dtype\":\"F16\",\"shape\":[3,4],\"data_offsets\":[0,24]}}".getBytes(StandardCharsets.UTF_8),
                StFiles.le16(bits));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(expect, st.readFloat32("t"));
        }
        Path g = dir.resolve("f16w.safetensors");
        new SafetensorsWriter().addF16("w", expect, 12).write(g);
        try (SafetensorsFile st = SafetensorsFile.open(g)) {
            assertArrayEquals(expect, st.readFloat32("w"));
            assertArrayEquals(StFiles.le16(bits), st.raw("w").toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void i64ReadsAsInt32WithRangeCheck() throws IOException {
        Path f = StFiles.write(dir.resolve("i64.safetensors"),
                ("{\"ok\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]},"
                        + "\"big\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]}}").getBytes(StandardCharsets.UTF_8),
                StFiles.le64(5, -7, Integer.MIN_VALUE, 1, 1L << 40));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(new int[]{5, -7, Integer.MIN_VALUE}, st.readInt32("ok"));
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> st.readInt32("big"));
            assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("i64.safetensors")
                    && e.getMessage().contains("element 1"), e.getMessage());
        }
    }

    @Test
    void unsupportedConversionsNameDtypeTensorAndFile() throws IOException {
        Path f = StFiles.write(dir.resolve("odd.safetensors"),
                ("{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[8,10]},"
                        + "\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[10,12]}}").getBytes(StandardCharsets.UTF_8),
                new byte[12]);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(SafetensorsDType.F8_E4M3, st.info("q").dtype());
            for (String name : List.of("d", "b", "q")) {
                SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> st.readFloat32(name));
                String m = e.getMessage();
                assertTrue(m.contains("unsupported dtype " + st.info(name).dtype()) && m.contains("'" + name + "'")
                        && m.contains("odd.safetensors"), m);
            }
            assertThrows(SafetensorsFormatException.class, () -> st.readInt32("d"));
            MissingTensorException missing = assertThrows(MissingTensorException.class, () -> st.readFloat32("nope"));
            assertTrue(missing.getMessage().contains("missing tensor nope in ") && missing.getMessage().contains("odd.safetensors"));
        }
    }

    @Test
    void rawBytesCopyBetweenFilesAndTensors() throws IOException {
        Path a = dir.resolve("a.safetensors");
        new SafetensorsWriter().addBF16("x", new float[]{1f, 2f, 3f}, 3).write(a);
        Path b = dir.resolve("b.safetensors");
        try (CpuBackend be = new CpuBackend(1); SafetensorsFile st = SafetensorsFile.open(a)) {
            Tensor t = be.allocate(2, 2);
            be.upload(t, new float[]{0f, 0.5f, 1f, 1.5f});
            Tensor half = be.allocate(DType.BF16, 2);
            be.cast(half, t.viewAt(2, 2));
            new SafetensorsWriter()
                    .addRaw("x", SafetensorsDType.BF16, new long[]{3}, st.raw("x"))
                    .add("t", t, be)
                    .add("half", half, be)
                    .addRaw("h", SafetensorsDType.I32, new long[]{2}, MemorySegment.ofArray(new int[]{9, 10}))
                    .write(b);
        }
        try (SafetensorsFile st = SafetensorsFile.open(b)) {
            assertArrayEquals(new float[]{1f, 2f, 3f}, st.readFloat32("x"));
            assertArrayEquals(new float[]{0f, 0.5f, 1f, 1.5f}, st.readFloat32("t"));
            assertEquals(SafetensorsDType.BF16, st.info("half").dtype());
            assertArrayEquals(new float[]{1f, 1.5f}, st.readFloat32("half"));
            assertArrayEquals(new int[]{9, 10}, st.readInt32("h"));
        }
    }

    @Test
    void writerRejectsBadInput() {
        SafetensorsWriter w = new SafetensorsWriter().addF32("a", new float[2], 2);
        assertThrows(IllegalArgumentException.class, () -> w.addF32("a", new float[2], 2));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("b", new float[3], 2));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("c", new float[0], -1, 0));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("__metadata__", new float[1], 1));
    }

    @Test
    void closedFileRefusesAccessWithoutCrashing() throws IOException {
        Path f = dir.resolve("c.safetensors");
        new SafetensorsWriter().addF32("x", new float[]{1f}, 1).write(f);
        SafetensorsFile st = SafetensorsFile.open(f);
        MemorySegment raw = st.raw("x");
        st.close();
        st.close();
        assertThrows(IllegalStateException.class, () -> raw.get(ValueLayout.JAVA_BYTE, 0));
    }
}
