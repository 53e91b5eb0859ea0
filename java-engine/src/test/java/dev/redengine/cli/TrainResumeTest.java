package dev.redengine.cli;

import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.redengine.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train} checkpoints: a run stopped half-way and resumed ends with exactly the parameters and optimizer
 * state of an uninterrupted run (10 sequences, 2 per step: the data order wraps to a new epoch after the
 * resume); a resume with other arguments is refused by name; a write killed before its rename is invisible.
 */
class TrainResumeTest {
    @TempDir
    Path tmp;

    private Path data() throws IOException {
        int s = 10, t = 8;
        int[] ids = new SplittableRandom(5).ints((long) s * t, 0, 320).toArray();
        Path f = tmp.resolve("ids.safetensors");
        new SafetensorsWriter().addI32("input_ids", ids, s, t).write(f);
        return f;
    }

    private List<String> args(Path data, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--model", Fixtures.dir("tiny-llama").toString(), "--from-scratch",
                "--data", data.toString(), "--seq-len", "8", "--batch", "2", "--steps", "6", "--lr", "1e-2",
                "--threads", "2", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    private static CliTest.Result ok(List<String> args) {
        CliTest.Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    /** Every tensor of two safetensors files, bit for bit. */
    static void assertSameTensors(Path a, Path b) throws IOException {
        try (SafetensorsFile fa = SafetensorsFile.open(a); SafetensorsFile fb = SafetensorsFile.open(b)) {
            assertEquals(fa.names(), fb.names());
            for (String name : fa.names()) {
                float[] x = fa.readFloat32(name), y = fb.readFloat32(name);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void resumedRunEndsBitIdenticalToAnUninterruptedOne() throws IOException {
        Path data = data(), whole = tmp.resolve("whole"), split = tmp.resolve("split");
        ok(args(data, whole, "--save-every", "3"));
        CliTest.Result first = ok(args(data, split, "--stop-after", "3"));
        assertTrue(first.err().contains("continue with --resume"), first.err());
        assertFalse(Files.exists(split.resolve("model.safetensors")), "no final model before --steps");
        assertTrue(Files.isRegularFile(split.resolve("checkpoints/step-3/model.safetensors")));
        // a write killed before its rename leaves only a hidden partial folder, which resume ignores
        Files.createDirectories(split.resolve("checkpoints/.step-5.partial"));
        Files.writeString(split.resolve("checkpoints/.step-5.partial/model.safetensors"), "half");
        CliTest.Result second = ok(args(data, split, "--resume", "--save-every", "3"));
        assertTrue(second.err().contains("resumed from") && second.err().contains("step-3"), second.err());
        assertFalse(Files.exists(split.resolve("checkpoints/.step-5.partial")), "partial write removed at the next save");
        assertSameTensors(whole.resolve("model.safetensors"), split.resolve("model.safetensors"));
        assertSameTensors(whole.resolve("checkpoints/step-6/optimizer.safetensors"),
                split.resolve("checkpoints/step-6/optimizer.safetensors"));
        // the checkpoint is itself a loadable HF folder
        assertEquals(0, run("info", "--model", whole.resolve("checkpoints/step-3").toString()).code());
    }

    @Test
    void resumeWithOtherArgumentsIsRefusedByName() throws IOException {
        Path data = data(), out = tmp.resolve("out");
        ok(args(data, out, "--stop-after", "2"));
        List<String> other = args(data, out, "--resume");
        other.set(other.indexOf("1e-2"), "2e-2");
        CliTest.Result r = run(other.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--lr") && r.err().contains("0.01"), r.err());
        CliTest.Result none = run(args(data, tmp.resolve("empty"), "--resume").toArray(String[]::new));
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("no complete checkpoint"), none.err());
    }

    @Test
    void keepCheckpointsKeepsTheNewest() throws IOException {
        Path data = data(), out = tmp.resolve("kept");
        ok(args(data, out, "--save-every", "2", "--keep-checkpoints", "2"));
        try (var s = Files.list(out.resolve("checkpoints"))) {
            assertArrayEquals(new String[]{"step-4", "step-6"},
                    s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new));
        }
    }
}
