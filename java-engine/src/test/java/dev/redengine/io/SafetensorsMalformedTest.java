package dev.redengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every malformed file is a SafetensorsFormatException naming the file and, where one is at fault, the tensor. */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /** case, header JSON, data bytes, tensor the message must name (or null), fragment the message must contain. */
    static Stream<Arguments> badHeaders() {
        String ok = entry("good.w", "\"F32\"", "[2]", "[0,8]");
        return Stream.of(
                arguments("not json", "{\"a\": ", 0, null, "not valid JSON"),
                arguments("trailing garbage", "{} xyz", 0, null, "not valid JSON"),
                arguments("array root", "[1,2,3]", 0, null, "not a JSON object"),
                arguments("string root", "\"hello\"", 0, null, "not a JSON object"),
                arguments("empty header", "   ", 0, null, "empty"),
                arguments("duplicate tensor", "{" + ok + "," + ok + "}", 8, null, "Duplicate field 'good.w'"),
                arguments("entry not object", "{" + ok + ",\"bad.w\":[1]}", 8, "bad.w", "must be an object"),
                arguments("missing dtype", "{\"bad.w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "bad.w", "missing dtype"),
                arguments("dtype not string", "{" + entry("bad.w", "5", "[1]", "[0,4]") + "}", 4, "bad.w", "non-string dtype"),
                arguments("unknown dtype", "{" + entry("bad.w", "\"F12\"", "[1]", "[0,4]") + "}", 4, "bad.w", "unknown dtype \"F12\""),
                arguments("missing shape", "{\"bad.w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "bad.w", "missing shape"),
                arguments("shape not array", "{" + entry("bad.w", "\"F32\"", "\"2x2\"", "[0,16]") + "}", 16, "bad.w", "shape must be an array"),
                arguments("shape float", "{" + entry("bad.w", "\"F32\"", "[1.5]", "[0,4]") + "}", 4, "bad.w", "not an integer"),
                arguments("shape huge number", "{" + entry("bad.w", "\"F32\"", "[123456789012345678901234567890]", "[0,4]") + "}", 4, "bad.w", "not an integer"),
                arguments("negative dim", "{" + entry("bad.w", "\"F32\"", "[2,-1]", "[0,0]") + "}", 0, "bad.w", "negative"),
                arguments("shape overflow", "{" + entry("bad.w", "\"F32\"", "[4294967296,4294967296,4]", "[0,4]") + "}", 4, "bad.w", "overflows"),
                arguments("missing offsets", "{\"bad.w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "bad.w", "missing data_offsets"),
                arguments("offsets wrong arity", "{" + entry("bad.w", "\"F32\"", "[1]", "[0]") + "}", 4, "bad.w", "2 elements"),
                arguments("offsets not array", "{" + entry("bad.w", "\"F32\"", "[1]", "{}") + "}", 4, "bad.w", "must be an array"),
                arguments("offsets negative", "{" + entry("bad.w", "\"F32\"", "[1]", "[-4,0]") + "}", 4, "bad.w", "negative"),
                arguments("begin after end", "{" + entry("bad.w", "\"F32\"", "[1]", "[8,4]") + "}", 8, "bad.w", "begin 8 > end 4"),
                arguments("end past data", "{" + entry("bad.w", "\"F32\"", "[4]", "[0,16]") + "}", 12, "bad.w", "past the data buffer"),
                arguments("size mismatch", "{" + entry("bad.w", "\"F32\"", "[3]", "[0,8]") + "}", 8, "bad.w", "needs 12 bytes"),
                arguments("bf16 size mismatch", "{" + entry("bad.w", "\"BF16\"", "[4]", "[0,16]") + "}", 16, "bad.w", "needs 8 bytes"),
                arguments("overlap", "{" + ok + "," + entry("bad.w", "\"F32\"", "[2]", "[4,12]") + "}", 12, "bad.w", "overlaps tensor 'good.w'"),
                arguments("metadata not object", "{\"__metadata__\":[1]," + ok + "}", 8, null, "__metadata__ must be an object"),
                arguments("metadata value not string", "{\"__metadata__\":{\"n\":3}," + ok + "}", 8, null, "key 'n' must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void malformedHeaderIsAClearError(String name, String header, int dataBytes, String tensor, String fragment) throws IOException {
        Path f = StFiles.write(dir.resolve("case-" + name.replace(' ', '_') + ".safetensors"), header, dataBytes);
        assertFails(f, tensor, fragment);
    }

    @Test
    void overlapIsFoundWhateverTheHeaderOrder() throws IOException {
        String header = "{" + entry("late", "\"F32\"", "[2]", "[8,16]") + "," + entry("early", "\"F32\"", "[3]", "[0,12]") + "}";
        assertFails(StFiles.write(dir.resolve("overlap2.safetensors"), header, 16), "late", "overlaps tensor 'early'");
    }

    @Test
    void emptyTensorsNeverOverlap() throws IOException {
        String header = "{" + entry("w", "\"F32\"", "[2]", "[0,8]") + "," + entry("e", "\"F32\"", "[0,3]", "[4,4]") + "}";
        try (SafetensorsFile st = SafetensorsFile.open(StFiles.write(dir.resolve("emptyinside.safetensors"), header, 8))) {
            assertTrue(st.contains("e"));
        }
    }

    @Test
    void fileShorterThanEightBytes() throws IOException {
        Path f = dir.resolve("tiny.safetensors");
        Files.write(f, new byte[]{1, 2, 3});
        assertFails(f, null, "shorter than the 8-byte header length");
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        assertFails(empty, null, "file is 0 bytes");
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        assertFails(StFiles.withLength(dir.resolve("short.safetensors"), 100, 20), null, "runs past the end of the file");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        assertFails(StFiles.withLength(dir.resolve("huge.safetensors"), 1L << 40, 16), null, "absurdly large");
        // 2^64 - 1 as an unsigned u64 (negative as a Java long)
        assertFails(StFiles.withLength(dir.resolve("neg.safetensors"), -1L, 16), null, "18446744073709551615");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertFails(StFiles.write(dir.resolve("latin.safetensors"), header, new byte[0]), null, "not valid UTF-8");
    }

    @Test
    void deeplyNestedHeaderIsRejectedNotAStackOverflow() throws IOException {
        String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertFails(StFiles.write(dir.resolve("deep.safetensors"), deep, 0), null, "not valid JSON");
    }

    @Test
    void missingFileIsAnIOException() {
        assertThrows(IOException.class, () -> SafetensorsFile.open(dir.resolve("absent.safetensors")));
    }

    private static void assertFails(Path f, String tensor, String fragment) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(f).close());
        String m = e.getMessage();
        assertTrue(m.contains(f.getFileName().toString()), "message should name the file: " + m);
        if (tensor != null) {
            assertTrue(m.contains("'" + tensor + "'"), "message should name tensor " + tensor + ": " + m);
        }
        assertTrue(m.contains(fragment), "message should contain \"" + fragment + "\": " + m);
    }
}
