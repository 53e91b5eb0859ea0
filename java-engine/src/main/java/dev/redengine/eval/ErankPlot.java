package dev.redengine.eval;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import dev.redengine.io.AtomicFiles;
import java.util.List;
import java.util.Map;

/** eRank per hidden state, one line per model, on one PNG: how a teacher compares with its students. */
public final class ErankPlot {
    private ErankPlot() {
    }

    public static void write(Path png, Map<String, List<HiddenStateAnalysis.Layer>> models) throws IOException {
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart(models), BitmapEncoder.BitmapFormat.PNG));
    }

    /** One series per model (named by its key): the RED eRank against the hidden state's index. */
    static XYChart chart(Map<String, List<HiddenStateAnalysis.Layer>> models) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Effective rank of hidden states (RED definition)")
                .xAxisTitle("hidden state (0 = embeddings, last = after final norm)").yAxisTitle("eRank").build();
        chart.getStyler().setLegendVisible(true);
        for (var e : models.entrySet()) {
            List<HiddenStateAnalysis.Layer> layers = e.getValue();
            double[] x = layers.stream().mapToDouble(HiddenStateAnalysis.Layer::layer).toArray();
            double[] y = layers.stream().mapToDouble(HiddenStateAnalysis.Layer::erankRed).toArray();
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }
}
