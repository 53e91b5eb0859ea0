package dev.redengine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.eval.AccuracyPlot;
import dev.redengine.eval.DepthAccuracy;
import dev.redengine.eval.ErankPlot;
import dev.redengine.eval.HiddenStateAnalysis;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code demo} prints and writes from its {@link DemoResult}s: the table on stdout, report.json (an
 * interface: kept stable), report.md and the plots.
 */
final class DemoReport {
    private DemoReport() {
    }

    /** One row per model: accuracy per depth start -> end, mean eRank start -> end, val CE start -> end, time. */
    static String table(List<DemoResult> results) {
        StringBuilder b = new StringBuilder();
        List<DepthAccuracy> depths = results.getFirst().start().accuracy();
        b.append(String.format(Locale.ROOT, "%-16s %6s", "model", "d"));
        for (DepthAccuracy d : depths) {
            b.append(String.format(Locale.ROOT, " %11s", "depth " + d.depth()));
        }
        b.append(String.format(Locale.ROOT, " %13s %13s %7s%n", "mean eRank", "val CE", "time"));
        for (DemoResult r : results) {
            b.append(String.format(Locale.ROOT, "%-16s %6d", r.name(), r.hiddenSize()));
            for (int i = 0; i < depths.size(); i++) {
                int k = i;
                b.append(' ').append(change(r, m -> m.accuracy().get(k).accuracy(), "%.2f", 11));
            }
            b.append(' ').append(change(r, DemoResult.Measurement::meanErank, "%.1f", 13));
            b.append(' ').append(change(r, DemoResult.Measurement::valCe, "%.3f", 13));
            b.append(String.format(Locale.ROOT, " %6.0fs%n", r.seconds()));
        }
        return b.toString();
    }

    /** "start->end" for a student, the one value for the teacher, right-aligned in width characters. */
    private static String change(DemoResult r, Function<DemoResult.Measurement, Double> f, String format, int width) {
        String s = r.isTeacher() ? String.format(Locale.ROOT, format, f.apply(r.start()))
                : String.format(Locale.ROOT, format + "->" + format, f.apply(r.start()), f.apply(r.end()));
        return String.format("%" + width + "s", s);
    }

    /** report.json: the settings, then per model accuracy_by_depth and erank at the start and the end. */
    static ObjectNode json(ObjectNode settings, List<DemoResult> results, double totalSeconds) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("settings", settings);
        root.put("total_seconds", totalSeconds);
        ArrayNode models = root.putArray("models");
        for (DemoResult r : results) {
            ObjectNode m = models.addObject();
            m.put("name", r.name()).put("init", r.init()).put("width", r.width()).put("hidden_size", r.hiddenSize())
                    .put("parameters", r.parameters()).put("trainable_parameters", r.trainable()).put("loss", r.loss())
                    .put("trained", !r.isTeacher());
            ObjectNode acc = m.putObject("accuracy_by_depth"), counts = m.putObject("accuracy_counts"),
                    erank = m.putObject("erank"), ce = m.putObject("val_ce");
            for (String when : new String[]{"start", "end"}) {
                DemoResult.Measurement x = when.equals("start") ? r.start() : r.end();
                ObjectNode a = acc.putObject(when);
                ArrayNode c = counts.putArray(when);
                for (DepthAccuracy d : x.accuracy()) {
                    a.put(Integer.toString(d.depth()), d.accuracy());
                    c.addObject().put("depth", d.depth()).put("correct", d.correct()).put("n", d.n())
                            .put("accuracy", d.accuracy()).put("low", d.low()).put("high", d.high());
                }
                ArrayNode e = erank.putArray(when);
                for (double v : x.erank()) {
                    e.add(v);
                }
                ce.put(when, x.valCe());
            }
            m.put("seconds", r.seconds());
        }
        return root;
    }

    /** report.md: the settings, accuracy at the start and at the end, eRank per hidden state. */
    static String markdown(ObjectNode settings, List<DemoResult> results, double totalSeconds) {
        StringBuilder b = new StringBuilder("# red-engine demo: distilling the chain teacher\n\n");
        b.append("The teacher is not trained: its start and end are one measurement. Students: step 0 (start) and ")
                .append("after distillation (end), all for the same token budget.\n\n");
        b.append("## Settings\n\n");
        settings.properties().forEach(e -> b.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
        b.append(String.format(Locale.ROOT, "- total time: %.0f s%n%n", totalSeconds));
        List<DepthAccuracy> depths = results.getFirst().start().accuracy();
        for (String when : new String[]{"start", "end"}) {
            b.append("## Accuracy by depth, ").append(when.equals("start") ? "at step 0" : "after distillation")
                    .append(" (exact match; 95% Wilson interval)\n\n| model | d |");
            depths.forEach(d -> b.append(" depth ").append(d.depth()).append(" |"));
            b.append("\n| --- | --- |");
            depths.forEach(d -> b.append(" --- |"));
            b.append('\n');
            for (DemoResult r : results) {
                b.append("| ").append(r.name()).append(" | ").append(r.hiddenSize()).append(" |");
                for (DepthAccuracy d : (when.equals("start") ? r.start() : r.end()).accuracy()) {
                    b.append(String.format(Locale.ROOT, " %.2f [%.2f, %.2f] |", d.accuracy(), d.low(), d.high()));
                }
                b.append('\n');
            }
            b.append('\n');
        }
        b.append("## eRank per hidden state (RED definition; 0 = embeddings, last = after the final norm)\n\n| model | when |");
        int states = results.getFirst().start().erank().length;
        for (int i = 0; i < states; i++) {
            b.append(" h").append(i).append(" |");
        }
        b.append(" val CE |\n| --- | --- |").append(" --- |".repeat(states)).append(" --- |\n");
        for (DemoResult r : results) {
            for (String when : r.isTeacher() ? new String[]{"-"} : new String[]{"start", "end"}) {
                DemoResult.Measurement x = when.equals("end") ? r.end() : r.start();
                b.append("| ").append(r.name()).append(" | ").append(when).append(" |");
                for (double e : x.erank()) {
                    b.append(String.format(Locale.ROOT, " %.1f |", e));
                }
                b.append(String.format(Locale.ROOT, " %.3f |%n", x.valCe()));
            }
        }
        b.append("\nPlots: accuracy_by_depth.png (after distillation), accuracy_start.png (step 0), erank.png.\n");
        return b.toString();
    }

    /** accuracy_by_depth.png (teacher and every student at the end), accuracy_start.png (at step 0), erank.png. */
    static void writePlots(Path dir, List<DemoResult> results) throws IOException {
        Map<String, List<DepthAccuracy>> end = new LinkedHashMap<>(), start = new LinkedHashMap<>();
        Map<String, List<HiddenStateAnalysis.Layer>> ranks = new LinkedHashMap<>();
        for (DemoResult r : results) {
            end.put(r.name(), r.end().accuracy());
            start.put(r.name(), r.start().accuracy());
            if (r.isTeacher()) {
                ranks.put(r.name(), layers(r.start().erank()));
            } else {
                ranks.put(r.name() + " step 0", layers(r.start().erank()));
                ranks.put(r.name() + " end", layers(r.end().erank()));
            }
        }
        AccuracyPlot.write(dir.resolve("accuracy_by_depth.png"), end);
        AccuracyPlot.write(dir.resolve("accuracy_start.png"), start);
        ErankPlot.write(dir.resolve("erank.png"), ranks);
    }

    /** ErankPlot draws the RED eRank of analyze's layers; the other measures are not taken here. */
    private static List<HiddenStateAnalysis.Layer> layers(double[] erank) {
        List<HiddenStateAnalysis.Layer> out = new ArrayList<>();
        for (int i = 0; i < erank.length; i++) {
            out.add(new HiddenStateAnalysis.Layer(i, erank[i], Double.NaN, Double.NaN, Double.NaN));
        }
        return out;
    }
}
