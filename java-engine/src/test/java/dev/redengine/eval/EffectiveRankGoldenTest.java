package dev.redengine.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.redengine.eval.EffectiveRank.Definition;

/** Both eRank definitions against the numpy values in every hf-golden fixture's golden.json, every layer. */
class EffectiveRankGoldenTest {

    @Test
    void matchesGoldenJsonForEveryFixtureAndLayer() throws Exception {
        List<Path> dirs = GoldenHidden.fixtureDirs();
        // Fails rather than skips: a golden test that can silently not run catches nothing (Maven passes
        // -Dredengine.fixtures; an IDE run finds ../shared/fixtures/hf-golden from the module or the repository).
        assertFalse(dirs.isEmpty(), "no hf-golden fixtures found (set -Dredengine.fixtures=DIR)");
        int checked = 0;
        double worst = 0;
        for (Path dir : dirs) {
            GoldenHidden g = new GoldenHidden(dir);
            JsonNode json = g.goldenJson();
            int layers = g.hiddenCount();
            assertEquals(json.get("erank_hidden").size(), layers, dir + ": hidden count");
            List<Matrix> first = new ArrayList<>();
            List<Matrix> all = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                GoldenHidden.F32 h = g.tensor("hidden." + i);
                int b = h.shape()[0], t = h.shape()[1], d = h.shape()[2];
                Matrix allTokens = new Matrix(h.data(), b * t, d);
                all.add(allTokens);
                first.add(allTokens.rows(0, t));
            }
            double[] rv = EffectiveRank.cpu().computeAll(first, Definition.ROY_VETTERLI);
            double[] red = EffectiveRank.cpu().computeAll(all);
            for (int i = 0; i < layers; i++) {
                double wantRv = json.get("erank_hidden").get(i).asDouble();
                double wantRed = json.get("erank_red_hidden_all_tokens").get(i).asDouble();
                assertEquals(wantRv, rv[i], 1e-4 * wantRv, dir.getFileName() + " Roy-Vetterli hidden." + i);
                assertEquals(wantRed, red[i], 1e-4 * wantRed, dir.getFileName() + " RED hidden." + i);
                worst = Math.max(worst, Math.max(Math.abs(rv[i] - wantRv) / wantRv, Math.abs(red[i] - wantRed) / wantRed));
                // single-matrix entry point agrees with the batch
                assertEquals(red[i], EffectiveRank.cpu().compute(all.get(i)), 1e-12 * red[i]);
                checked++;
            }
        }
        assertTrue(checked >= 3, "checked " + checked);
        System.out.printf("eRank golden: %d fixture(s) from %s, %d layers, worst relative error %.3g%n",
                dirs.size(), dirs.get(0).getParent(), checked, worst);
    }
}
