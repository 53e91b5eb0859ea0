package dev.redengine.cli;

import dev.redengine.eval.ChainTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** demo's small pieces: where the teacher is looked for, the derived seeds, the student widths. */
class DemoPiecesTest {
    @TempDir
    Path tmp;

    @Test
    void theTeacherIsFoundUnderTheWorkingDirectoryFirstThenBesideTheJar() throws Exception {
        Path cwd = tmp.resolve("cwd"), repo = tmp.resolve("repo"), jarDir = repo.resolve("java-engine/target");
        Files.createDirectories(cwd);
        Files.createDirectories(jarDir);
        Path shipped = repo.resolve("models/chain-teacher");
        Files.createDirectories(shipped);
        Files.writeString(shipped.resolve("config.json"), "{}");
        assertEquals(shipped, TeacherLocator.find(cwd, Optional.of(jarDir)), "the jar's repository");
        Path own = cwd.resolve("models/chain-teacher");
        Files.createDirectories(own);
        Files.writeString(own.resolve("config.json"), "{}");
        assertEquals(own, TeacherLocator.find(cwd, Optional.of(jarDir)), "the working directory's wins");
    }

    @Test
    void noTeacherNamesEveryPlaceLooked() throws Exception {
        Path jarDir = tmp.resolve("a/b");
        Files.createDirectories(tmp.resolve("models/chain-teacher"));   // a folder without config.json is not a model
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherLocator.find(tmp.resolve("w"), Optional.of(jarDir)));
        for (Path p : TeacherLocator.candidates(tmp.resolve("w"), Optional.of(jarDir))) {
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
        assertEquals(4, TeacherLocator.candidates(tmp.resolve("w"), Optional.of(jarDir)).size());
        assertEquals(1, TeacherLocator.candidates(tmp, Optional.empty()).size());
        assertTrue(e.getMessage().endsWith("pass --teacher DIR"), e.getMessage());
    }

    /** No two derived seeds share a problem: their SplitMix64 streams (seed + depth) never meet for any depth. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 1, 2, 3, 4, 5, 6, 7})
    void theDerivedSeedsAreApart(long s) {
        long seed = new SplittableRandom(s).nextLong() >> (s % 2 == 0 ? 0 : 40);
        DemoSeeds d = DemoSeeds.of(seed, null);
        long[] all = {d.eval(), d.train(), d.calibration(), d.validation()};
        assertEquals(seed, d.eval());
        for (int i = 0; i < all.length; i++) {
            for (int j = i + 1; j < all.length; j++) {
                assertTrue(Math.abs(all[i] - all[j]) > ChainTask.MAX_DEPTH, all[i] + " vs " + all[j]);
            }
        }
    }

    @Test
    void seedsNearTheTeachersTrainingSeedAreRefused() {
        DemoSeeds.of(0, 1000L);
        assertThrows(IllegalArgumentException.class, () -> DemoSeeds.of(1000 + ChainTask.MAX_DEPTH, 1000L));
        assertThrows(IllegalArgumentException.class, () -> DemoSeeds.of(1000 - DemoSeeds.STRIDE, 1000L), "the train seed");
        DemoSeeds.of(1000 + ChainTask.MAX_DEPTH + 1, 1000L);
    }

    @Test
    void widthsRoundToWholeChannels() {
        assertEquals(64, ChainDemo.hiddenSize(128, 0.5));
        assertEquals(32, ChainDemo.hiddenSize(128, 0.25));
        assertEquals(43, ChainDemo.hiddenSize(128, 1 / 3.0));
        assertEquals(1, ChainDemo.hiddenSize(128, 0.001));
        assertEquals("red-0.5", new ChainDemo.StudentPlan(0.5, dev.redengine.distill.InitMethod.red).name());
        assertEquals("minitron-1", new ChainDemo.StudentPlan(1, dev.redengine.distill.InitMethod.minitron).name());
    }
}
