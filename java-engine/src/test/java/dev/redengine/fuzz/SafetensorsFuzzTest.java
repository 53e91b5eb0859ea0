package dev.redengine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;

/** Any bytes as a .safetensors file: opened, every tensor read as float32 and int32 where its dtype allows. */
class SafetensorsFuzzTest {
    @FuzzTest
    void file(byte[] bytes) throws IOException {
        Path f = FuzzFiles.write("model.safetensors", bytes);
        ClearErrors.only(() -> {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                for (TensorInfo t : st.tensors()) {
                    readBoth(st, t.name());
                }
            }
        });
    }

    /** A well-formed 8-byte length before the fuzzed bytes, so that the fuzzer spends its time in the JSON header. */
    @FuzzTest
    void header(byte[] header) throws IOException {
        byte[] file = new byte[8 + header.length + 64];
        long n = header.length;
        for (int i = 0; i < 8; i++) {
            file[i] = (byte) (n >>> (8 * i));
        }
        System.arraycopy(header, 0, file, 8, header.length);
        Path f = FuzzFiles.write("header.safetensors", file);
        ClearErrors.only(() -> {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                for (TensorInfo t : st.tensors()) {
                    readBoth(st, t.name());
                }
            }
        });
    }

    /** Each reader on its own: a dtype one of them refuses clearly still leaves the other to try. */
    private static void readBoth(SafetensorsFile st, String name) {
        ClearErrors.only(() -> st.readFloat32(name));
        ClearErrors.only(() -> st.readInt32(name));
    }
}
