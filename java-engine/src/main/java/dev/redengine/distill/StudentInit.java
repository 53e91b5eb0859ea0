package dev.redengine.distill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.compress.ActivationStatistics;
import dev.redengine.compress.CalibrationRun;
import dev.redengine.compress.ChannelSelection;
import dev.redengine.compress.MagnitudeImportance;
import dev.redengine.compress.NormInit;
import dev.redengine.compress.WidthPruner;
import dev.redengine.data.CalibrationSet;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import dev.redengine.model.Parameters;

import java.io.IOException;

/**
 * Builds a student from a teacher the one way both {@code prune} and {@code distill} use, so that the student
 * {@code distill} starts from is, bit for bit, the folder {@code prune} writes for the same arguments.
 *
 * <p>Two shapes of student: a projection student ({@link LowRankStudent}: every weight the teacher's times a
 * projection; RED's projections are channel selections) or a hard-pruned plain model ({@link WidthPruner}).
 * For a channel selection both give the same weights, since multiplying by a 0/1 selection matrix is exact.
 */
public final class StudentInit {
    /**
     * What to build. ffnSize and heads apply to minitron only (null: keep all). The combinations no method can
     * build are refused here, in words of the command-line flags, so that {@code prune} and {@code distill} say
     * the same thing and can do so before any work.
     */
    public record Request(InitMethod method, int hiddenSize, Integer ffnSize, Integer heads, NormInit gains,
                          long seed, boolean projections) {
        public Request {
            if ((ffnSize != null || heads != null) && method != InitMethod.minitron) {
                throw new IllegalArgumentException("--ffn-size and --heads apply to minitron only, not to " + method);
            }
            if (!method.selectsChannels() && gains == NormInit.TEACHER) {
                throw new IllegalArgumentException("--norm-init teacher needs a channel selection (teacher[G]); use 'ones' with "
                        + method);
            }
            if (projections && method == InitMethod.minitron) {
                throw new IllegalArgumentException("minitron prunes FFN neurons and heads, which projections cannot express; "
                        + "use --trainable all");
            }
        }
    }

    /** Supplies the calibration set, read only by the methods that need it. */
    @FunctionalInterface
    public interface Calibration {
        CalibrationSet load() throws IOException;
    }

    /**
     * The student at step 0: its config and weights; the projection student when one was asked for (else null);
     * and for channel-selecting methods the channels, their importance and what selection.json records.
     */
    public record Built(ModelConfig config, Parameters weights, LowRankStudent projected, int[] channels,
                       double[] importance, ObjectNode selection) {

        /**
         * The student to train: the projection student when one was built and projections train, else the plain
         * model (its weights copied into one flat buffer, one call per span for the optimizer) training every weight.
         */
        public Student toStudent(boolean projections, Backend be) {
            if (projected != null && projections) {
                return new ProjectionStudent(projected);
            }
            Parameters flat = Parameters.allocate(be, ParameterSpec.of(config));
            flat.asMap().forEach((name, t) -> be.copy(t, weights.get(name)));
            return new FullStudent(new CausalLM(config, flat, be), channels);
        }
    }

    private StudentInit() {
    }

    /** The norm gains a method starts with unless told otherwise: the teacher's selected ones, or LRC's ones. */
    public static NormInit defaultGains(InitMethod m) {
        return m.selectsChannels() ? NormInit.TEACHER : NormInit.ONES;
    }

    public static Built build(Request r, CausalLM teacher, Calibration calibration, int calibBatch) throws IOException {
        ModelConfig c = teacher.config();
        Parameters p = teacher.parameters();
        Backend be = teacher.backend();
        if (r.hiddenSize() <= 0 || r.hiddenSize() > c.hiddenSize()) {
            throw new IllegalArgumentException("--hidden-size " + r.hiddenSize() + " must be in [1, " + c.hiddenSize() + "]");
        }
        ObjectNode selection = new ObjectMapper().createObjectNode();
        double[] importance;
        WidthPruner.Plan plan = null;
        switch (r.method()) {
            case red, minitron -> {
                ActivationStatistics stats = CalibrationRun.statistics(teacher, calibration.load(), calibBatch);
                selection.put("calibration_sequences", stats.sequences());
                selection.put("calibration_tokens", stats.tokens());
                importance = r.method() == InitMethod.red ? stats.redImportance() : stats.minitronChannels();
                int[] channels = ChannelSelection.topK(importance, r.hiddenSize());
                plan = r.method() == InitMethod.red ? WidthPruner.channelsOnly(c, channels)
                        : minitronPlan(c, stats, channels, r, selection);
            }
            case magnitude -> {
                importance = MagnitudeImportance.of(c, p, be);
                plan = WidthPruner.channelsOnly(c, ChannelSelection.topK(importance, r.hiddenSize()));
            }
            default -> importance = null;
        }
        if (plan != null && !r.projections()) {
            WidthPruner.Result pruned = WidthPruner.prune(c, p, plan, r.gains(), be);
            return new Built(pruned.config(), pruned.parameters(), null, plan.channels(), importance,
                    selectionJson(r, plan.channels(), importance, selection));
        }
        ProjectionInit init = switch (r.method()) {
            case random -> ProjectionInit.Random.LRC;
            case orthogonal -> new ProjectionInit.Orthogonal();
            default -> new ProjectionInit.Selection(plan.channels());
        };
        LowRankStudent s = new LowRankStudent(c, p, r.hiddenSize(), init, r.gains(), r.seed(), be);
        int[] channels = plan == null ? null : plan.channels();
        return new Built(s.studentConfig(), s.folded(), s, channels, importance,
                channels == null ? null : selectionJson(r, channels, importance, selection));
    }

    private static ObjectNode selectionJson(Request r, int[] channels, double[] importance, ObjectNode extra) {
        ObjectNode sel = new ObjectMapper().createObjectNode();
        sel.put("method", r.method().name());
        sel.put("norm_init", r.gains().name().toLowerCase());
        ArrayNode ch = sel.putArray("channels");
        for (int i : channels) {
            ch.add(i);
        }
        ArrayNode imp = sel.putArray("importance");
        for (double v : importance) {
            imp.add(v);
        }
        sel.setAll(extra);
        return sel;
    }

    private static WidthPruner.Plan minitronPlan(ModelConfig c, ActivationStatistics stats, int[] channels, Request r,
                                                 ObjectNode extra) {
        int f2 = r.ffnSize() != null ? r.ffnSize() : c.intermediateSize();
        int h2 = r.heads() != null ? r.heads() : c.numHeads();
        if (f2 <= 0 || f2 > c.intermediateSize()) {
            throw new IllegalArgumentException("--ffn-size " + f2 + " must be in [1, " + c.intermediateSize() + "]");
        }
        double[][] neuronImp = stats.minitronNeurons(), headImp = stats.minitronHeads();
        int[][] neurons = new int[c.numLayers()][], keptHeads = new int[c.numLayers()][];
        ArrayNode nj = extra.putArray("ffn_neurons");
        ArrayNode hj = extra.putArray("heads");
        for (int l = 0; l < c.numLayers(); l++) {
            neurons[l] = ChannelSelection.topK(neuronImp[l], f2);
            keptHeads[l] = WidthPruner.headsByGroup(headImp[l], h2, c.numKvHeads());
            ArrayNode a = nj.addArray();
            for (int i : neurons[l]) {
                a.add(i);
            }
            ArrayNode b = hj.addArray();
            for (int i : keptHeads[l]) {
                b.add(i);
            }
        }
        return new WidthPruner.Plan(channels, neurons, keptHeads);
    }
}
