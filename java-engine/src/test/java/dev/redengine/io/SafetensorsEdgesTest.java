package dev.redengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edges of the safetensors reader and writer: I64 values that do not fit int32 wherever they sit (the first
 * element included), array lengths that disagree with the shape, the smallest file and a header exactly at the
 * size limit. Inputs are built outside assertThrows, so only the call under test can satisfy it.
 */
class SafetensorsEdgesTest {
    @TempDir
    Path tmp;

    private Path i64File(long... values) throws IOException {
        String h = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[" + values.length + "],\"data_offsets\":[0," + 8 * values.length + "]}}";
        return StFiles.write(tmp.resolve("ids.safetensors"), h.getBytes(java.nio.charset.StandardCharsets.UTF_8), StFiles.le64(values));
    }

    @ParameterizedTest(name = "bad value at {0}")
    @ValueSource(ints = {0, 1, 3})
    void i64OutsideInt32IsRefusedAtAnyIndex(int at) throws IOException {
        long[] v = {5, -7, Integer.MAX_VALUE, Integer.MIN_VALUE};
        long bad = at == 1 ? Integer.MIN_VALUE - 1L : 1L << 31;
        v[at] = bad;
        Path f = i64File(v);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> st.readInt32("ids"));
            assertEquals(f + ": tensor 'ids' element " + at + " = " + bad + " does not fit int32", e.getMessage());
            var seg = java.lang.foreign.Arena.ofAuto().allocate(16);
            assertThrows(SafetensorsFormatException.class, () -> st.readInt32("ids", seg));
        }
    }

    @Test
    void i64InsideInt32IsReadExactly() throws IOException {
        long[] v = {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE};
        try (SafetensorsFile st = SafetensorsFile.open(i64File(v))) {
            assertArrayEquals(new int[]{Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, st.readInt32("ids"));
        }
    }

    @Test
    void arrayLengthMustMatchTheShapeForEveryDtype() {
        SafetensorsWriter w = new SafetensorsWriter();
        float[] three = {1, 2, 3};
        int[] threeInts = {1, 2, 3};
        String expected = "tensor 'x': shape [2, 2] has 4 elements but the array has 3";
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> w.addF32("x", three, 2, 2)).getMessage());
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> w.addI32("x", threeInts, 2, 2)).getMessage());
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> w.addBF16("x", three, 2, 2)).getMessage());
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> w.addF16("x", three, 2, 2)).getMessage());
        String longer = "tensor 'y': shape [2] has 2 elements but the array has 3";
        assertEquals(longer, assertThrows(IllegalArgumentException.class, () -> w.addI32("y", threeInts, 2)).getMessage());
        assertEquals(longer, assertThrows(IllegalArgumentException.class, () -> w.addBF16("y", three, 2)).getMessage());
        assertEquals(longer, assertThrows(IllegalArgumentException.class, () -> w.addF16("y", three, 2)).getMessage());
    }

    @Test
    void everyDtypeRoundTrips() throws IOException {
        Path f = tmp.resolve("all.safetensors");
        new SafetensorsWriter()
                .addF32("f32", new float[]{1.5f, -2f}, 2)
                .addI32("i32", new int[]{7, -9, Integer.MAX_VALUE}, 3)
                .addBF16("bf16", new float[]{1f, -0.5f, 3f, 256f}, 2, 2)
                .addF16("f16", new float[]{0.25f, -65504f}, 1, 2)
                .write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[]{1.5f, -2f}, st.readFloat32("f32"));
            assertArrayEquals(new int[]{7, -9, Integer.MAX_VALUE}, st.readInt32("i32"));
            assertArrayEquals(new float[]{1f, -0.5f, 3f, 256f}, st.readFloat32("bf16"));
            assertArrayEquals(new float[]{0.25f, -65504f}, st.readFloat32("f16"));
            assertEquals(SafetensorsDType.BF16, st.info("bf16").dtype());
            assertEquals(SafetensorsDType.F16, st.info("f16").dtype());
        }
    }

    @Test
    void sevenBytesIsTooShortForTheLength() throws IOException {
        Path f = Files.write(tmp.resolve("seven.safetensors"), new byte[7]);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(f));
        assertEquals(f + ": file is 7 bytes, shorter than the 8-byte header length", e.getMessage());
    }

    /** 8 bytes holds the length (0) and nothing else: past the length check, refused as a header instead. */
    @Test
    void eightBytesPassesTheLengthCheck() throws IOException {
        Path f = StFiles.withLength(tmp.resolve("eight.safetensors"), 0, 0);
        assertEquals(8, Files.size(f));
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(f));
        assertEquals(f + ": header is empty, expected a JSON object", e.getMessage()); // not "absurdly large", not "shorter"
    }

    @Test
    void aHeaderThatEndsExactlyAtTheFileEndIsRead() throws IOException {
        byte[] h = "{}      ".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path f = StFiles.write(tmp.resolve("empty.safetensors"), h, new byte[0]);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertTrue(st.names().isEmpty());
            assertEquals(16, st.dataOffset());
        }
        Path g = StFiles.withLength(tmp.resolve("short.safetensors"), 9, 8);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(g));
        assertEquals(g + ": header length 9 runs past the end of the file (16 bytes)", e.getMessage());
    }

    /** A sparse file: the length field then MAX_HEADER_BYTES (+ 1) zero bytes. */
    private Path declaring(long n, long bodyBytes) throws IOException {
        Path f = tmp.resolve("big" + n + ".safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
            raf.setLength(8 + bodyBytes);
        }
        return f;
    }

    @Test
    void aHeaderExactlyAtTheLimitIsNotTooLarge() throws IOException {
        long max = SafetensorsHeader.MAX_HEADER_BYTES;
        Path atLimit = declaring(max, max);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(atLimit));
        assertFalse(e.getMessage().contains("absurdly large"), e.getMessage()); // refused as JSON, not for its size
        Files.delete(atLimit);
        Path over = declaring(max + 1, max + 1);
        SafetensorsFormatException o = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(over));
        assertEquals(over + ": header length " + (max + 1) + " is absurdly large (limit " + max
                + "); not a safetensors file?", o.getMessage());
        Path negative = StFiles.withLength(tmp.resolve("neg.safetensors"), -8, 8);
        SafetensorsFormatException n = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(negative));
        assertTrue(n.getMessage().contains("header length " + Long.toUnsignedString(-8) + " is absurdly large"), n.getMessage());
    }

    @Test
    void offsetsThatDisagreeWithTheShapeGiveBothSizes() throws IOException {
        String h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        Path f = StFiles.write(tmp.resolve("sizes.safetensors"), h, 8);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().endsWith("shape [2] x F32 needs 8 bytes but data_offsets [4, 8) hold 4"), e.getMessage());
    }
}
