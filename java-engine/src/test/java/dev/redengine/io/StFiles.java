package dev.redengine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-built safetensors files for tests: exact control over every byte, including broken ones. */
final class StFiles {
    private StFiles() {
    }

    /** 8-byte length of {@code header}, the header bytes, then {@code dataBytes} zero bytes. */
    static Path write(Path file, String header, int dataBytes) throws IOException {
        return write(file, header.getBytes(StandardCharsets.UTF_8), new byte[dataBytes]);
    }

    static Path write(Path file, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    /** A file that declares header length {@code declared} but is {@code 8 + actual} bytes long. */
    static Path withLength(Path file, long declared, int actual) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + actual).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared);
        Files.write(file, b.array());
        return file;
    }

    static byte[] le16(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        return b.array();
    }

    static byte[] le64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }
}
