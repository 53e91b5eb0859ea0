package dev.redengine.cli;

import dev.redengine.data.HfTokenizer;
import dev.redengine.eval.ChainTask;
import dev.redengine.generate.Generator;
import dev.redengine.generate.SamplingSettings;
import dev.redengine.model.CausalLM;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A model answering chain problems for {@link dev.redengine.eval.ChainEvaluation}: the prompt continued greedily
 * for two tokens (an answer is one digit; the second token shows whether the model stops there), decoded.
 */
final class GreedyChainAnswerer implements UnaryOperator<String> {
    private final HfTokenizer tok;
    private final Generator generator;

    GreedyChainAnswerer(CausalLM lm, HfTokenizer tok, Set<Integer> eos) {
        this.tok = tok;
        this.generator = new Generator(lm, eos);
    }

    /** Refuses a tokenizer that does not give back the task's text (it could not score the answers). */
    static void checkTokenizer(String model, HfTokenizer tok, ChainTask task, long seed, int depth) {
        String probe = task.problem(seed, depth).text();
        if (!tok.decode(encode(tok, probe)).equals(probe)) {
            throw new IllegalArgumentException(model + ": its tokenizer does not round-trip the chain task's text \""
                    + probe + "\" (use models/chain-tokenizer or a byte-level tokenizer)");
        }
    }

    @Override
    public String apply(String prompt) {
        List<Integer> ids = generator.generate(encode(tok, prompt), 2, SamplingSettings.GREEDY, id -> { });
        return tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    static int[] encode(HfTokenizer tok, String text) {
        try {
            return tok.encode(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
