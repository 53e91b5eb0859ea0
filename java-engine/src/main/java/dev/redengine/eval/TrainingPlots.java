package dev.redengine.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PNGs of a training run from its metrics.jsonl rows: the loss terms and validation loss against the step, and
 * the eRank of every hidden state against the step (the collapse RED prevents shows there, not at step 0).
 */
public final class TrainingPlots {
    private TrainingPlots() {
    }

    /** Writes loss.png; {@code terms} are the row keys of the loss terms. Returns false when there is nothing to plot. */
    public static boolean writeLoss(Path png, List<ObjectNode> rows, List<String> terms) throws IOException {
        return save(png, lossChart(rows, terms));
    }

    /** Writes erank.png: one line per hidden state over the steps, the teacher's as flat dashed lines. */
    public static boolean writeErank(Path png, List<ObjectNode> rows) throws IOException {
        return save(png, erankChart(rows));
    }

    /**
     * The loss chart: the weighted total, each term, then the validation losses (with markers: they are logged
     * only every few steps). A series holds the rows where its key is a finite number; empty when no row has any.
     */
    static Optional<XYChart> lossChart(List<ObjectNode> rows, List<String> terms) {
        XYChart chart = chart("Distillation loss", "loss");
        boolean any = addSeries(chart, "loss (weighted total)", rows, "loss", false);
        for (String t : terms) {
            any |= addSeries(chart, t, rows, t, false);
        }
        any |= addSeries(chart, "validation cross-entropy", rows, "val_ce", true);
        any |= addSeries(chart, "validation KL", rows, "val_kl", true);
        return any ? Optional.of(chart) : Optional.empty();
    }

    /**
     * The eRank chart: series "hidden i" from the rows' {@code erank} arrays, and, from the last row with a
     * {@code teacher_erank}, flat dashed lines "teacher hidden i" from step 0 to the last step plotted (none when
     * that is step 0). Empty when no row has an eRank.
     */
    static Optional<XYChart> erankChart(List<ObjectNode> rows) {
        XYChart chart = chart("Effective rank of the student's hidden states (RED definition)", "eRank");
        Map<Integer, List<double[]>> perLayer = new LinkedHashMap<>();
        JsonNode teacher = null;
        for (ObjectNode r : rows) {
            JsonNode e = r.get("erank");
            if (e != null && e.isArray()) {
                for (int i = 0; i < e.size(); i++) {
                    perLayer.computeIfAbsent(i, k -> new ArrayList<>()).add(new double[]{r.get("step").asDouble(), e.get(i).asDouble()});
                }
            }
            if (r.has("teacher_erank")) {
                teacher = r.get("teacher_erank");
            }
        }
        if (perLayer.isEmpty()) {
            return Optional.empty();
        }
        double lastStep = 0;
        for (var e : perLayer.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            lastStep = Math.max(lastStep, x[x.length - 1]);
            chart.addSeries("hidden " + e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE).setLineColor(color(e.getKey()))
                    .setFillColor(color(e.getKey()));
        }
        if (teacher != null && lastStep > 0) {
            for (int i = 0; i < teacher.size(); i++) {
                double v = teacher.get(i).asDouble();
                chart.addSeries("teacher hidden " + i, new double[]{0, lastStep}, new double[]{v, v})
                        .setMarker(SeriesMarkers.NONE).setLineStyle(SeriesLines.DASH_DASH).setLineColor(color(i));
            }
        }
        return Optional.of(chart);
    }

    /** One colour per hidden state, shared by the student's line and the teacher's dashed one. */
    private static Color color(int layer) {
        Color[] palette = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
                new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
                new Color(0x17becf)};
        return palette[layer % palette.length];
    }

    private static XYChart chart(String title, String yAxis) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("step").yAxisTitle(yAxis).build();
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    private static boolean addSeries(XYChart chart, String name, List<ObjectNode> rows, String key, boolean markers) {
        List<double[]> points = new ArrayList<>();
        for (ObjectNode r : rows) {
            JsonNode v = r.get(key);
            if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                points.add(new double[]{r.get("step").asDouble(), v.asDouble()});
            }
        }
        if (points.isEmpty()) {
            return false;
        }
        chart.addSeries(name, points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray())
                .setMarker(markers ? SeriesMarkers.DIAMOND : SeriesMarkers.NONE);
        return true;
    }

    /** Writes the chart as a PNG, when there is one; says whether it did. */
    private static boolean save(Path png, Optional<XYChart> chart) throws IOException {
        if (chart.isEmpty()) {
            return false;
        }
        AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart.get(), BitmapEncoder.BitmapFormat.PNG));
        return true;
    }
}
