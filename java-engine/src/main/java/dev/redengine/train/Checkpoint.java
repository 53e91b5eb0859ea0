package dev.redengine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.io.AtomicFiles;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.OutputFolder;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.Parameters;
import dev.redengine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A training checkpoint: the folder {@code checkpoints/step-N/} holding everything a run needs to continue
 * exactly where it was, and nothing that depends on the JVM.
 * <ul>
 *   <li>{@code model.safetensors} and {@code config.json}: the parameters, so the folder also loads as a plain
 *       HF model;</li>
 *   <li>{@code trainable.safetensors}, only when what trains is not the model's weights (a projection
 *       student's projections and gains): the trainable parameters;</li>
 *   <li>{@code optimizer.safetensors}: both Adam moments ({@code m.NAME}, {@code v.NAME}) and the optimizer
 *       scalars (step, learning rate, clip scale, flags) bit for bit;</li>
 *   <li>{@code trainer_state.json}, written last: the step, where the data order stands, the arguments that fix
 *       the run (a resume with other arguments is refused, naming the first that differs) and the log.</li>
 * </ul>
 * The folder is built under a hidden temporary name and renamed into place when complete, so a process killed at
 * any moment leaves either no {@code step-N} or a whole one; leftovers of a killed write are removed by the next
 * save.
 */
public final class Checkpoint {
    private static final Pattern STEP = Pattern.compile("step-(\\d+)");
    private static final String STATE = "trainer_state.json";
    private static final String TRAINABLE = "trainable.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a checkpoint says about the run: its step, the data position, the run's arguments and its log. */
    public record State(int step, DataOrder.Position data, ObjectNode args, JsonNode log) {
    }

    private Checkpoint() {
    }

    /**
     * Writes step {@code state.step()} under {@code root} ({@code root/step-N}), then removes all but the newest
     * {@code keep} checkpoints (keep 0 keeps all). Returns the folder.
     */
    public static Path save(Path root, State state, ModelConfig config, LmTrainer trainer, Backend be, int keep)
            throws IOException {
        Parameters params = trainer.model().parameters();
        return save(root, state, config, params, params, trainer.optimizer(), be, keep);
    }

    /**
     * As above for any optimizer: {@code weights} is the model written as {@code model.safetensors} (loadable as an
     * HF folder), {@code trainable} what {@code opt} updates (the same object when the model's weights train).
     */
    public static Path save(Path root, State state, ModelConfig config, Parameters weights, Parameters trainable,
                            AdamW opt, Backend be, int keep) throws IOException {
        Files.createDirectories(root);
        removePartials(root);
        Path target = root.resolve("step-" + state.step());
        Path partial = root.resolve(".step-" + state.step() + ".partial");
        Files.createDirectories(partial);
        SafetensorsWriter model = new SafetensorsWriter().metadata("format", "pt");
        weights.asMap().forEach((name, t) -> model.add(name, t, be));
        model.write(partial.resolve("model.safetensors"));
        if (trainable != weights) {
            SafetensorsWriter tw = new SafetensorsWriter();
            trainable.asMap().forEach((name, t) -> tw.add(name, t, be));
            tw.write(partial.resolve(TRAINABLE));
        }
        SafetensorsWriter optimizer = new SafetensorsWriter();
        opt.firstMoments().asMap().forEach((name, t) -> optimizer.add("m." + name, t, be));
        opt.secondMoments().asMap().forEach((name, t) -> optimizer.add("v." + name, t, be));
        optimizer.add("scalars", opt.scalars(), be);
        optimizer.write(partial.resolve("optimizer.safetensors"));
        AtomicFiles.writeString(partial.resolve("config.json"), config.toJson() + "\n");
        ObjectNode json = JSON.createObjectNode();
        json.put("step", state.step());
        json.putObject("data").put("epoch_seed", state.data().epochSeed()).put("cursor", state.data().cursor());
        json.set("args", state.args());
        json.set("log", state.log());
        AtomicFiles.writeString(partial.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        if (Files.exists(target)) {            // the same step saved again (a rerun): replace it whole
            OutputFolder.deleteTree(target);
        }
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target);
        }
        if (keep > 0) {
            List<Path> all = list(root);
            for (int i = 0; i < all.size() - keep; i++) {
                OutputFolder.deleteTree(all.get(i));
            }
        }
        return target;
    }

    /** The complete checkpoints under root, oldest first (an absent root has none). */
    public static List<Path> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> STEP.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparingInt(Checkpoint::stepOf))
                    .toList();
        }
    }

    public static Optional<Path> newest(Path root) throws IOException {
        List<Path> all = list(root);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /**
     * Loads a checkpoint into the trainer's parameters, moments and scalars, after checking that it was made
     * with {@code args}; returns its state.
     */
    public static State load(Path dir, ObjectNode args, LmTrainer trainer, Backend be) throws IOException {
        return load(dir, args, trainer.model().parameters(), trainer.optimizer(), be);
    }

    /** Loads a checkpoint into {@code trainable} and the optimizer's state, after checking its arguments. */
    public static State load(Path dir, ObjectNode args, Parameters trainable, AdamW opt, Backend be) throws IOException {
        JsonNode json = JSON.readTree(dir.resolve(STATE).toFile());
        ObjectNode saved = (ObjectNode) json.get("args");
        requireSameArgs(dir, saved, args);
        Path params = Files.exists(dir.resolve(TRAINABLE)) ? dir.resolve(TRAINABLE) : dir.resolve("model.safetensors");
        try (SafetensorsFile model = SafetensorsFile.open(params);
             SafetensorsFile optimizer = SafetensorsFile.open(dir.resolve("optimizer.safetensors"))) {
            for (Map.Entry<String, Tensor> e : trainable.asMap().entrySet()) {
                be.upload(e.getValue(), model.readFloat32(e.getKey()));
                be.upload(opt.firstMoments().get(e.getKey()), optimizer.readFloat32("m." + e.getKey()));
                be.upload(opt.secondMoments().get(e.getKey()), optimizer.readFloat32("v." + e.getKey()));
            }
            float[] scalars = optimizer.readFloat32("scalars");
            if (scalars.length != OptimizerScalars.SIZE) {
                throw new IOException(dir + ": optimizer scalars hold " + scalars.length + " values, expected " + OptimizerScalars.SIZE);
            }
            be.upload(opt.scalars(), scalars);
        }
        JsonNode data = json.get("data");
        return new State(json.get("step").asInt(), new DataOrder.Position(data.get("epoch_seed").asLong(),
                data.get("cursor").asInt()), saved, json.get("log"));
    }

    private static void requireSameArgs(Path dir, ObjectNode saved, ObjectNode now) {
        Iterator<String> names = now.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            // compared as JSON text: a value read back may be another node type (int vs long) for the same number
            if (saved.get(name) == null || !now.get(name).toString().equals(saved.get(name).toString())) {
                throw new IllegalArgumentException("cannot resume from " + dir + ": it was made with --" + name.replace('_', '-')
                        + " " + saved.get(name) + ", this run has " + now.get(name));
            }
        }
        saved.fieldNames().forEachRemaining(name -> {
            if (!now.has(name)) {
                throw new IllegalArgumentException("cannot resume from " + dir + ": it was made with --"
                        + name.replace('_', '-') + " " + saved.get(name) + ", which this run does not set");
            }
        });
    }

    private static int stepOf(Path p) {
        Matcher m = STEP.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Removes the hidden folders of writes that were killed before their rename. */
    private static void removePartials(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".partial")).toList()) {
                OutputFolder.deleteTree(p);
            }
        }
    }
}
