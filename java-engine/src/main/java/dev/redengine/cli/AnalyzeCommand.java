package dev.redengine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.data.CalibrationSet;
import dev.redengine.eval.EffectiveRank;
import dev.redengine.eval.ErankPlot;
import dev.redengine.eval.HiddenStateAnalysis;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.AtomicFiles;
import dev.redengine.model.CausalLM;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** eRank, distinguishability and RMS of every hidden state of one or more models over a calibration set. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"eRank (RED and Roy-Vetterli), token distinguishability and RMS of every hidden state",
                "over all calibration tokens, for each --model; writes a JSON report and optionally a PNG plot."})
final class AnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF model folder; repeat to compare models (e.g. a teacher and its students).")
    List<Path> models;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--out", required = true, description = "Report JSON file.")
    Path out;

    @Option(names = "--plot", description = "PNG of eRank per layer for every model.")
    Path plot;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        // every option is checked before the first model is loaded
        calibration.validate(true);
        Checks.outputFile("--out", out);
        if (plot != null) {
            Checks.pngFile("--plot", plot);
        }
        backend.validate();
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        ArrayNode list = report.putArray("models");
        Map<String, List<HiddenStateAnalysis.Layer>> forPlot = new LinkedHashMap<>();
        try (Backend be = backend.open()) {
            for (Path dir : models) {
                CausalLM lm = HfModelReader.load(dir, be);
                CalibrationSet set = calibration.load(dir, lm.config());
                HiddenStateAnalysis.Result r = HiddenStateAnalysis.run(lm, set, calibration.batch, EffectiveRank.cpu());
                ObjectNode m = list.addObject();
                m.put("model", dir.toString());
                m.put("tokens", r.tokens());
                ArrayNode layers = m.putArray("layers");
                for (HiddenStateAnalysis.Layer l : r.layers()) {
                    layers.addObject().put("layer", l.layer()).put("erank_red", l.erankRed()).put("erank_rv", l.erankRv())
                            .put("distinguishability", l.distinguishability()).put("rms", l.rms());
                }
                String label = dir.getFileName() != null ? dir.getFileName().toString() : dir.toString();
                forPlot.put(forPlot.containsKey(label) ? dir.toString() : label, r.layers()); // a/m and b/m: both drawn
                spec.commandLine().getErr().printf("%s: %d tokens, eRank (RED) %.2f at hidden.0 -> %.2f at hidden.%d%n",
                        dir, r.tokens(), r.layers().getFirst().erankRed(), r.layers().getLast().erankRed(), r.layers().size() - 1);
            }
        }
        AtomicFiles.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
        if (plot != null) {
            ErankPlot.write(plot, forPlot);
        }
        return 0;
    }
}
