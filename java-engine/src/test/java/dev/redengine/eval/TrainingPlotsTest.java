package dev.redengine.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TrainingPlots}: which metrics.jsonl values end up in which series of the loss and eRank charts (the PNGs
 * themselves are only checked to be written, at the stated size, when there is something to plot).
 */
class TrainingPlotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static ObjectNode row(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(json, e);
        }
    }

    private static XYSeries series(XYChart chart, String name) {
        XYSeries s = chart.getSeriesMap().get(name);
        assertTrue(s != null, "no series \"" + name + "\" in " + chart.getSeriesMap().keySet());
        return s;
    }

    private static void assertPoints(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = series(chart, name);
        assertArrayEquals(x, s.getXData(), 0, name + " steps");
        assertArrayEquals(y, s.getYData(), 0, name + " values");
    }

    /** Rows as a distillation run logs them, with the gaps and non-finite values a run can produce. */
    private static List<ObjectNode> lossRows() {
        List<ObjectNode> rows = new ArrayList<>();
        rows.add(row("{\"step\": 0, \"val_ce\": 2.5, \"val_kl\": 0.75}"));
        rows.add(row("{\"step\": 1, \"loss\": 3.0, \"kl\": 2.0, \"ce\": 1.0}"));
        ObjectNode two = row("{\"step\": 2, \"kl\": 1.5, \"ce\": \"1.25\"}");
        two.put("loss", Double.NaN);
        rows.add(two);
        ObjectNode three = row("{\"step\": 3, \"loss\": 2.0, \"ce\": 0.75, \"val_ce\": 2.25, \"val_kl\": 0.5}");
        three.put("kl", Double.POSITIVE_INFINITY);
        rows.add(three);
        ObjectNode four = row("{\"step\": 4, \"loss\": null, \"ce\": 0.5}");
        four.put("kl", Double.NEGATIVE_INFINITY);
        rows.add(four);
        return rows;
    }

    @Test
    void lossSeriesHoldTheFiniteNumbersOfTheirKey() {
        XYChart chart = TrainingPlots.lossChart(lossRows(), List.of("kl", "ce", "hidden_mse")).orElseThrow();
        assertEquals("Distillation loss", chart.getTitle());
        assertEquals("loss", chart.getYAxisTitle());
        assertEquals("step", chart.getXAxisTitle());
        // a term that no row holds has no series; the order is the legend's
        assertEquals(List.of("loss (weighted total)", "kl", "ce", "validation cross-entropy", "validation KL"),
                List.copyOf(chart.getSeriesMap().keySet()));
        assertPoints(chart, "loss (weighted total)", new double[]{1, 3}, new double[]{3.0, 2.0});
        assertPoints(chart, "kl", new double[]{1, 2}, new double[]{2.0, 1.5});
        assertPoints(chart, "ce", new double[]{1, 3, 4}, new double[]{1.0, 0.75, 0.5});   // "1.25" is text
        assertPoints(chart, "validation cross-entropy", new double[]{0, 3}, new double[]{2.5, 2.25});
        assertPoints(chart, "validation KL", new double[]{0, 3}, new double[]{0.75, 0.5});
        // the training terms are lines; the validation losses, logged every few steps, get markers
        for (String s : List.of("loss (weighted total)", "kl", "ce")) {
            assertSame(SeriesMarkers.NONE, series(chart, s).getMarker(), s);
        }
        for (String s : List.of("validation cross-entropy", "validation KL")) {
            assertSame(SeriesMarkers.DIAMOND, series(chart, s).getMarker(), s);
        }
    }

    /** Any one plottable value is enough for a loss chart, whichever series it belongs to. */
    @ParameterizedTest
    @ValueSource(strings = {"loss", "kl", "val_ce", "val_kl"})
    void oneSeriesAloneMakesALossChart(String key) {
        List<ObjectNode> rows = List.of(row("{\"step\": 0, \"other\": 1}"), row("{\"step\": 5, \"" + key + "\": 0.25}"));
        XYChart chart = TrainingPlots.lossChart(rows, List.of("kl")).orElseThrow(() -> new AssertionError(key));
        assertEquals(1, chart.getSeriesMap().size(), key);
        XYSeries s = chart.getSeriesMap().values().iterator().next();
        assertArrayEquals(new double[]{5}, s.getXData(), 0, key);
        assertArrayEquals(new double[]{0.25}, s.getYData(), 0, key);
    }

    @Test
    void noPlottableLossIsNoChartAndNoFile() throws IOException {
        ObjectNode nan = row("{\"step\": 1}");
        nan.put("loss", Double.NaN);
        List<ObjectNode> rows = List.of(row("{\"step\": 0, \"loss\": \"high\", \"kl\": null}"), nan);
        assertTrue(TrainingPlots.lossChart(rows, List.of("kl")).isEmpty());
        assertTrue(TrainingPlots.lossChart(List.of(), List.of()).isEmpty());
        Path png = tmp.resolve("loss.png");
        assertFalse(TrainingPlots.writeLoss(png, rows, List.of("kl")));
        assertFalse(Files.exists(png));
    }

    /** Student eRank at steps 0, 3 and 6 (layer 0 only at 6), the teacher's logged twice; step 5 has no eRank. */
    private static List<ObjectNode> erankRows() {
        return List.of(
                row("{\"step\": 0, \"erank\": [5.0, 6.0, 7.0], \"teacher_erank\": [9.0, 9.5, 10.0]}"),
                row("{\"step\": 3, \"erank\": [4.0, 5.5, 6.5], \"teacher_erank\": [8.0, 8.5, 9.25]}"),
                row("{\"step\": 5, \"loss\": 1.0, \"erank\": null}"),
                row("{\"step\": 6, \"erank\": [3.0]}"));
    }

    @Test
    void erankSeriesPerHiddenStateAndTheLastTeacherValuesAsFlatLines() {
        XYChart chart = TrainingPlots.erankChart(erankRows()).orElseThrow();
        assertEquals("Effective rank of the student's hidden states (RED definition)", chart.getTitle());
        assertEquals("eRank", chart.getYAxisTitle());
        assertEquals(List.of("hidden 0", "hidden 1", "hidden 2", "teacher hidden 0", "teacher hidden 1", "teacher hidden 2"),
                List.copyOf(chart.getSeriesMap().keySet()));
        assertPoints(chart, "hidden 0", new double[]{0, 3, 6}, new double[]{5.0, 4.0, 3.0});
        assertPoints(chart, "hidden 1", new double[]{0, 3}, new double[]{6.0, 5.5});
        assertPoints(chart, "hidden 2", new double[]{0, 3}, new double[]{7.0, 6.5});
        // the teacher's lines run to the last step any hidden state has, at the last logged teacher values
        assertPoints(chart, "teacher hidden 0", new double[]{0, 6}, new double[]{8.0, 8.0});
        assertPoints(chart, "teacher hidden 1", new double[]{0, 6}, new double[]{8.5, 8.5});
        assertPoints(chart, "teacher hidden 2", new double[]{0, 6}, new double[]{9.25, 9.25});
        for (int i = 0; i < 3; i++) {
            XYSeries student = series(chart, "hidden " + i), teacher = series(chart, "teacher hidden " + i);
            assertSame(SeriesMarkers.CIRCLE, student.getMarker());
            assertSame(SeriesMarkers.NONE, teacher.getMarker());
            assertSame(SeriesLines.DASH_DASH, teacher.getLineStyle());
            assertEquals(student.getLineColor(), student.getFillColor(), "hidden " + i);
            assertEquals(student.getLineColor(), teacher.getLineColor(), "one colour per hidden state " + i);
        }
    }

    @Test
    void elevenHiddenStatesReuseThePaletteFromTheStart() {
        StringBuilder e = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            e.append(i == 0 ? "" : ", ").append(i + 1);
        }
        XYChart chart = TrainingPlots.erankChart(List.of(row("{\"step\": 2, \"erank\": [" + e + "]}"))).orElseThrow();
        Set<Color> colours = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            Color c = series(chart, "hidden " + i).getLineColor();
            assertTrue(c != null, "hidden " + i);
            colours.add(c);
        }
        assertEquals(10, colours.size(), "ten distinct colours");
        assertEquals(series(chart, "hidden 0").getLineColor(), series(chart, "hidden 10").getLineColor());
        assertNotEquals(series(chart, "hidden 1").getLineColor(), series(chart, "hidden 10").getLineColor());
        assertPoints(chart, "hidden 10", new double[]{2}, new double[]{11});
    }

    @Test
    void aTeacherWithNothingButStepZeroHasNoLines() {
        List<ObjectNode> rows = List.of(row("{\"step\": 0, \"erank\": [5.0, 6.0], \"teacher_erank\": [9.0, 9.5]}"),
                row("{\"step\": 1, \"loss\": 2.0}"));
        XYChart chart = TrainingPlots.erankChart(rows).orElseThrow();
        assertEquals(List.of("hidden 0", "hidden 1"), List.copyOf(chart.getSeriesMap().keySet()));
        // no teacher at all: the student's lines only
        XYChart alone = TrainingPlots.erankChart(List.of(row("{\"step\": 4, \"erank\": [2.0]}"))).orElseThrow();
        assertEquals(List.of("hidden 0"), List.copyOf(alone.getSeriesMap().keySet()));
    }

    @Test
    void noStudentErankIsNoChartAndNoFile() throws IOException {
        List<ObjectNode> rows = List.of(row("{\"step\": 0, \"teacher_erank\": [9.0], \"erank\": 3.0}"),
                row("{\"step\": 1, \"loss\": 2.0}"));
        assertTrue(TrainingPlots.erankChart(rows).isEmpty());
        Path png = tmp.resolve("erank.png");
        assertFalse(TrainingPlots.writeErank(png, rows));
        assertFalse(Files.exists(png));
    }

    @Test
    void bothChartsAreWrittenAsPngsOfTheStatedSize() throws IOException {
        Path loss = tmp.resolve("loss.png"), erank = tmp.resolve("erank.png");
        assertTrue(TrainingPlots.writeLoss(loss, lossRows(), List.of("kl", "ce")));
        assertTrue(TrainingPlots.writeErank(erank, erankRows()));
        for (Path png : List.of(loss, erank)) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(900, img.getWidth(), png.toString());
            assertEquals(560, img.getHeight(), png.toString());
        }
        try (var s = Files.list(tmp)) {
            assertEquals(Set.of(loss, erank), Set.copyOf(s.toList()), "no temp files left");
        }
    }
}
