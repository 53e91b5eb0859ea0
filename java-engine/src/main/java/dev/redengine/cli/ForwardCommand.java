package dev.redengine.cli;

import dev.redengine.backend.Backend;
import dev.redengine.io.HfModelReader;
import dev.redengine.io.SafetensorsFile;
import dev.redengine.io.SafetensorsWriter;
import dev.redengine.io.TensorInfo;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.MemoryEstimate;
import dev.redengine.model.ModelConfig;
import dev.redengine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The contract the engine is checked against HF with: input_ids in, logits, every hidden state, the loss
 * and optionally every parameter gradient out, all float32.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run the model on input_ids and write logits, hidden states, loss and (--grads) gradients.",
                "IN: safetensors with input_ids int32 [B,T]. OUT gets float32 logits [B,T,V], hidden.0..hidden.L [B,T,d]",
                "(HF output_hidden_states: hidden.0 = embeddings, last = after the final norm), loss [1] (labels =",
                "input_ids, HF shift, mean) and with --grads grad.<parameter name> for every parameter."})
final class ForwardCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF model folder.")
    Path model;

    @Option(names = "--input", required = true, description = "safetensors file with input_ids int32 [B,T].")
    Path input;

    @Option(names = "--out", required = true, description = "Output safetensors file (written atomically).")
    Path out;

    @Option(names = "--grads", description = "Also run the backward pass and write grad.<name> for every parameter.")
    boolean grads;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        backend.validate(); // a bad --device or --threads is reported before the input is read
        Checks.inputFile("--input", input); // a folder would otherwise surface as the OS's "No such device"
        Checks.outputFile("--out", out); // before the model runs, not when its result is written
        int[] ids;
        int batch, seqLen;
        try (SafetensorsFile in = SafetensorsFile.open(input)) {
            TensorInfo info = in.require("input_ids");
            long[] shape = info.shape();
            if (shape.length == 1) {
                shape = new long[]{1, shape[0]};
            }
            if (shape.length != 2) {
                throw new IllegalArgumentException("input_ids in " + input + " has shape " + Arrays.toString(info.shape()) + "; expected [B, T]");
            }
            if (shape[0] == 0 || shape[1] == 0) {
                throw new IllegalArgumentException("input_ids in " + input + " is empty: shape " + Arrays.toString(info.shape()));
            }
            batch = Math.toIntExact(shape[0]);
            seqLen = Math.toIntExact(shape[1]);
            ids = in.readInt32("input_ids");
        }
        MemoryEstimate need = MemoryEstimate.of(ModelConfig.load(model), batch, seqLen);
        backend.requireHostMemory("forward" + (grads ? " --grads" : "") + " at B=" + batch + ", T=" + seqLen,
                grads ? need.trainingBytes() - 2 * need.weightBytes() : need.inferenceBytes(), "use a smaller --input");
        try (Backend be = backend.open()) {
            CausalLM lm = HfModelReader.load(model, be);
            Activations a = lm.allocateActivations(batch, seqLen);
            try {
                lm.setInput(a, ids);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(input + ": " + e.getMessage(), e);
            }
            lm.forward(a);
            int d = lm.config().hiddenSize(), vocab = lm.config().vocabSize();
            SafetensorsWriter w = new SafetensorsWriter();
            w.metadata("producer", "red-engine forward");
            // logits first: the fused loss below overwrites them with their gradient
            w.addF32("logits", be.downloadFloats(a.logits), batch, seqLen, vocab);
            for (int i = 0; i < a.hiddenCount(); i++) {
                w.addF32("hidden." + i, be.downloadFloats(a.hidden(i)), batch, seqLen, d);
            }
            int[] targets = CausalLM.shiftedTargets(ids, batch, seqLen);
            float loss = seqLen > 1 ? lm.crossEntropy(a, targets, grads ? a.logits : null) : Float.NaN;
            w.addF32("loss", new float[]{loss}, 1);
            if (grads) {
                if (seqLen < 2) {
                    throw new IllegalArgumentException("--grads needs T >= 2: with T = 1 there is no next token to predict");
                }
                lm.backward(a, a.logits);
                for (Map.Entry<String, Tensor> e : lm.gradients().asMap().entrySet()) {
                    w.add("grad." + e.getKey(), e.getValue(), be);
                }
            }
            w.write(out);
            spec.commandLine().getErr().printf("wrote %s: B=%d, T=%d, loss %.6f%s%n", out, batch, seqLen, loss, grads ? ", with gradients" : "");
        }
        return 0;
    }
}
