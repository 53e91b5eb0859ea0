package dev.redengine.cli;

import dev.redengine.backend.Backend;
import dev.redengine.data.HfTokenizer;
import dev.redengine.generate.EndOfSequence;
import dev.redengine.generate.Generator;
import dev.redengine.generate.SamplingSettings;
import dev.redengine.generate.TextStream;
import dev.redengine.io.HfModelReader;
import dev.redengine.model.CausalLM;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Text continuation with a KV cache, streamed to stdout token by token. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with the model (KV cache; greedy unless --temperature > 0), printing the text",
                "to stdout as tokens are produced. Stops at the model's eos_token_id or after --max-tokens."})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "HF model folder (with tokenizer.json).")
    Path model;

    @Option(names = "--prompt", required = true, description = "The text to continue (tokenised without special tokens).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "128", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "Softmax temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling: the smallest set of tokens with this much probability (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        Checks.positive("--max-tokens", maxTokens);
        Checks.finiteNonNegative("--temperature", temperature);
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be >= 0 (0 = all tokens), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        }
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("--prompt is empty: give at least one character to continue");
        }
        Checks.modelFolder("--model", model);
        backend.validate();
        SamplingSettings settings = new SamplingSettings(temperature, topK, topP, seed);
        try (HfTokenizer tok = HfTokenizer.load(model); Backend be = backend.open()) {
            int[] ids = tok.encode(prompt);
            CausalLM lm = HfModelReader.load(model, be);
            TextStream stream = new TextStream(tok, spec.commandLine().getOut());
            long start = System.nanoTime();
            List<Integer> out = new Generator(lm, EndOfSequence.ids(model)).generate(ids, maxTokens, settings, stream::accept);
            stream.finish();
            double seconds = (System.nanoTime() - start) / 1e9;
            spec.commandLine().getErr().printf("%d prompt tokens, %d generated in %.2f s (%.1f tokens/s)%n",
                    ids.length, out.size(), seconds, out.size() / seconds);
        }
        return 0;
    }
}
