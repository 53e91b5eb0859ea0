package dev.redengine.cli;

import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsFormatException;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.io.TensorInfo;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inputs that forward or train would refuse are refused everywhere, each with one line naming the file and the tensor. */
class StrictInputTest {
    @TempDir
    Path tmp;

    /** tiny-llama with its weights rewritten: edit returns the new values (null drops the tensor) and may swap the shape. */
    private Path model(BiFunction<TensorInfo, float[], float[]> edit, boolean transposeFirstMatrix) throws IOException {
        Path src = Fixtures.dir("tiny-llama"), dir = Files.createDirectory(tmp.resolve("m" + System.nanoTime()));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        boolean transposed = false;
        try (SafetensorsFile st = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            for (TensorInfo t : st.tensors()) {
                float[] v = edit.apply(t, st.readFloat32(t.name()));
                if (v == null) {
                    continue;
                }
                long[] shape = t.shape().clone();
                if (transposeFirstMatrix && !transposed && shape.length == 2 && shape[0] != shape[1]
                        && t.name().contains("layers")) {
                    shape = new long[]{shape[1], shape[0]};
                    transposed = true;
                }
                w.addF32(t.name(), v, shape);
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static void assertRefused(CliTest.Result r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "missing \"" + f + "\" in: " + err);
        }
    }

    @Test
    void bytesAfterTheLastTensorAreRefused() throws IOException {
        Path f = tmp.resolve("t.safetensors");
        new SafetensorsWriter().addF32("w", new float[]{1, 2}, 2).write(f);
        try (SafetensorsFile ok = SafetensorsFile.open(f)) {
            assertEquals(1, ok.tensors().size());
        }
        Files.write(f, new byte[]{0, 0, 0, 0}, StandardOpenOption.APPEND);
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains("t.safetensors") && e.getMessage().contains("4 bytes after the last tensor"), e.getMessage());
    }

    @Test
    void infoRefusesAMissingTensor() throws IOException {
        Path m = model((t, v) -> t.name().equals("model.norm.weight") ? null : v, false);
        assertRefused(CliTest.run("info", "--model", m.toString()), "missing tensor model.norm.weight");
    }

    @Test
    void infoRefusesATransposedShapeAsForwardDoes() throws IOException {
        Path m = model((t, v) -> v, true);
        CliTest.Result info = CliTest.run("info", "--model", m.toString());
        assertRefused(info, "has shape", "config.json implies");
        Path in = tmp.resolve("in.safetensors");
        new SafetensorsWriter().addI32("input_ids", new int[]{1, 2, 3}, 1, 3).write(in);
        CliTest.Result fwd = CliTest.run("forward", "--model", m.toString(), "--input", in.toString(),
                "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(info.err(), fwd.err());
    }

    @Test
    void aNonFiniteWeightIsNamedAtLoad() throws IOException {
        Path m = model((t, v) -> {
            if (t.name().equals("model.layers.1.mlp.up_proj.weight")) {
                v[7] = Float.NaN;
            }
            return v;
        }, false);
        Path in = tmp.resolve("in.safetensors");
        new SafetensorsWriter().addI32("input_ids", new int[]{1, 2, 3}, 1, 3).write(in);
        assertRefused(CliTest.run("forward", "--model", m.toString(), "--input", in.toString(),
                "--out", tmp.resolve("o.safetensors").toString()), "model.layers.1.mlp.up_proj.weight", "non-finite", "NaN");
    }

    @Test
    void forwardInputThatIsAFolderOrHasBadIds() throws IOException {
        String model = Fixtures.dir("tiny-llama").toString(), out = tmp.resolve("o.safetensors").toString();
        assertRefused(CliTest.run("forward", "--model", model, "--input", tmp.toString(), "--out", out),
                "--input " + tmp, "not a readable file");
        Path in = tmp.resolve("ids.safetensors");
        new SafetensorsWriter().addI32("input_ids", new int[]{1, 2, 320}, 1, 3).write(in);
        assertRefused(CliTest.run("forward", "--model", model, "--input", in.toString(), "--out", out),
                in.toString(), "token id 320", "[0, 320)");
    }
}
