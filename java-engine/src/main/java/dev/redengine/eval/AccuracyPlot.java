package dev.redengine.eval;

import dev.redengine.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Accuracy against chain depth, one line per model, the 95% Wilson intervals as error bars. */
public final class AccuracyPlot {
    private AccuracyPlot() {
    }

    public static void write(Path png, Map<String, List<DepthAccuracy>> models) throws IOException {
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart(models), BitmapEncoder.BitmapFormat.PNG));
    }

    /** One series per model (named by its key), accuracy against depth, y from 0 to 1. */
    static XYChart chart(Map<String, List<DepthAccuracy>> models) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Chain task: exact-match accuracy by depth")
                .xAxisTitle("depth (dependent steps)").yAxisTitle("accuracy (95% Wilson interval)").build();
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        for (var e : models.entrySet()) {
            List<DepthAccuracy> rows = e.getValue();
            double[] x = rows.stream().mapToDouble(DepthAccuracy::depth).toArray();
            double[] y = rows.stream().mapToDouble(DepthAccuracy::accuracy).toArray();
            // XChart draws symmetric error bars: the larger side, so the bar covers the whole interval
            double[] err = rows.stream().mapToDouble(r -> Math.max(r.high() - r.accuracy(), r.accuracy() - r.low())).toArray();
            chart.addSeries(e.getKey(), x, y, err).setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }
}
