package dev.redengine.cli;

import dev.redengine.backend.BackendProvider;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.ShardedCheckpoint;
import dev.redengine.io.TensorInfo;
import dev.redengine.model.MemoryEstimate;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.ParameterSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** Describes a model folder without loading its weights. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Architecture, sizes, parameter count, stored dtypes and memory needed for inference and training,",
                "and the device the other commands would run on with the same --device (nothing is opened)."})
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF model folder (config.json + safetensors).")
    Path model;

    @Option(names = "--seq-len", description = "Sequence length for the memory estimate (default: min(2048, max positions)).")
    Integer seqLen;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size for the memory estimate (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        BackendProvider device = backend.validate();
        ModelConfig c = ModelConfig.load(model);
        Checks.positive("--batch", batch);
        Checks.positive("--seq-len", seqLen);
        if (seqLen != null && seqLen > c.maxPositions()) {
            throw new IllegalArgumentException("--seq-len " + seqLen + " exceeds the model's max_position_embeddings = "
                    + c.maxPositions());
        }
        int t = seqLen != null ? seqLen : Math.min(2048, c.maxPositions());
        var out = spec.commandLine().getOut();
        out.printf("model         %s%n", model);
        out.printf("architecture  %s (model_type %s)%n", c.architecture().hfClass(), c.architecture().modelType());
        out.printf("sizes         layers %d, hidden %d, heads %d, kv heads %d, head_dim %d, ffn %d, vocab %d, max positions %d%n",
                c.numLayers(), c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.intermediateSize(),
                c.vocabSize(), c.maxPositions());
        var r = c.rope();
        out.printf("rope          %s, theta %.6g%s%n", r.type(), r.theta(), r.type().equals("llama3")
                ? String.format(", factor %.4g, low %.4g, high %.4g, original max positions %d",
                r.factor(), r.lowFreqFactor(), r.highFreqFactor(), r.originalMaxPositions()) : "");
        out.printf("options       tied embeddings %s, q/k/v bias %s, o bias %s, mlp bias %s, q/k norm %s, rms_norm_eps %.3g%n",
                yes(c.tieWordEmbeddings()), yes(c.qkvBias()), yes(c.oBias()), yes(c.mlpBias()), yes(c.qkNorm()), c.rmsNormEps());
        MemoryEstimate m = MemoryEstimate.of(c, batch, t);
        long embed = (long) c.vocabSize() * c.hiddenSize();
        out.printf("parameters    %,d (embedding %,d%s, %,d per layer)%n", m.parameters(), embed,
                c.tieWordEmbeddings() ? ", tied with the LM head" : ", LM head " + String.format("%,d", embed),
                ParameterSpec.of(c).stream().filter(s -> s.name().startsWith("model.layers.0.")).mapToLong(ParameterSpec::numel).sum());
        if (Files.isDirectory(model) && !Files.exists(model.resolve(ShardedCheckpoint.SINGLE_FILE))
                && !Files.exists(model.resolve(ShardedCheckpoint.INDEX_FILE))) {
            // a config-only folder is what train --from-scratch starts from: size it before training
            out.printf("stored        no weights (config.json only)%n");
        } else {
            try (ShardedCheckpoint ck = ShardedCheckpoint.open(model)) {
                // the checks forward and train make when they load: a folder they would refuse is not reported as fine
                HfModelReader.checkTensors(ck, c);
                Map<String, long[]> byDtype = new TreeMap<>();
                for (String name : ck.names()) {
                    TensorInfo info = ck.info(name);
                    long[] acc = byDtype.computeIfAbsent(info.dtype().name(), k -> new long[2]);
                    acc[0]++;
                    acc[1] += info.end() - info.begin();
                }
                StringBuilder sb = new StringBuilder();
                byDtype.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(" x ").append(v[0])
                        .append(" tensors (").append(MemoryEstimate.human(v[1])).append(")"));
                out.printf("stored        %s in %d file(s)%n", sb, ck.shards().size());
            }
        }
        out.printf("memory        float32 weights %s; inference at B=%d, T=%d: %s; training (weights, grads, Adam moments, activations): %s%n",
                MemoryEstimate.human(m.weightBytes()), batch, t, MemoryEstimate.human(m.inferenceBytes()),
                MemoryEstimate.human(m.trainingBytes()));
        out.printf("device        %s (--device %s%s)%n", device.name(), backend.device,
                backend.threads != null ? ", --threads " + backend.threads : "");
        out.println(device.description());
        out.flush();
        return 0;
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
