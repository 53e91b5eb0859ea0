package dev.redengine.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The series {@link AccuracyPlot} and {@link ErankPlot} draw: one per model, named by its key. */
class PlotSeriesTest {
    @TempDir
    Path tmp;

    @Test
    void accuracySeriesWithErrorBarsCoveringTheWholeWilsonInterval() throws IOException {
        Map<String, List<DepthAccuracy>> models = new LinkedHashMap<>();
        // 0 of 10: the interval lies above the accuracy; 10 of 10: below it; 3 of 4 uneven on both sides
        models.put("student", List.of(DepthAccuracy.of(1, 0, 10), DepthAccuracy.of(2, 3, 4)));
        models.put("teacher", List.of(DepthAccuracy.of(1, 10, 10)));
        XYChart chart = AccuracyPlot.chart(models);
        assertEquals(List.of("student", "teacher"), List.copyOf(chart.getSeriesMap().keySet()));
        XYSeries student = chart.getSeriesMap().get("student"), teacher = chart.getSeriesMap().get("teacher");
        assertArrayEquals(new double[]{1, 2}, student.getXData(), 0);
        assertArrayEquals(new double[]{0, 0.75}, student.getYData(), 0);
        WilsonInterval none = WilsonInterval.of(0, 10), three = WilsonInterval.of(3, 4), all = WilsonInterval.of(10, 10);
        double threeSide = Math.max(three.high() - 0.75, 0.75 - three.low());
        assertArrayEquals(new double[]{none.high(), threeSide}, student.getExtraValues(), 1e-15);
        assertArrayEquals(new double[]{1 - all.low()}, teacher.getExtraValues(), 1e-15);
        assertArrayEquals(new double[]{1}, teacher.getYData(), 0);
        Path png = tmp.resolve("acc.png");
        AccuracyPlot.write(png, models);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(560, img.getHeight());
    }

    @Test
    void erankSeriesPerModelAgainstTheHiddenState() {
        Map<String, List<HiddenStateAnalysis.Layer>> models = new LinkedHashMap<>();
        models.put("teacher", List.of(new HiddenStateAnalysis.Layer(0, 5, 4, 0.1, 1), new HiddenStateAnalysis.Layer(1, 7, 6, 0.2, 1)));
        models.put("student", List.of(new HiddenStateAnalysis.Layer(0, 3, 2, 0.3, 1)));
        XYChart chart = ErankPlot.chart(models);
        assertEquals(List.of("teacher", "student"), List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[]{0, 1}, chart.getSeriesMap().get("teacher").getXData(), 0);
        assertArrayEquals(new double[]{5, 7}, chart.getSeriesMap().get("teacher").getYData(), 0, "the RED eRank");
        assertArrayEquals(new double[]{3}, chart.getSeriesMap().get("student").getYData(), 0);
    }
}
