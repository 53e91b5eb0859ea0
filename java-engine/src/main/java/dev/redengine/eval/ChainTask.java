package dev.redengine.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * A reasoning task of controllable depth: variable-binding chains with arithmetic modulo 10. Depth d means a
 * constant and d derived statements, each reading the previous variable of the chain ({@code a=3;b=a+4;c=b-9;c=?}
 * has depth 2, answer 8). The operations are +k and -k modulo 10 (k in 1..maxStep, 9 by default): adding a different
 * constant always gives a different result, so the answer depends on the constant of every statement of the chain.
 * With k uniform over 1..9 the answer is independent of each single statement (like parity): a small model trained
 * on it sits at chance for millions of tokens, since no one input tells it anything. With small steps (maxStep 3) the
 * value read from the previous variable is informative on its own, and a 4-layer model learns the chain
 * (models/chain-teacher). (Multiplying by
 * a unit, tried first, is not enough: 0 and 5 are fixed points of *3, *7 and *9, so the factor could be changed
 * without changing the answer.) Distractors assign other variables, from a constant or
 * from any variable already defined (chain variables too), and are never read by the chain. Without shuffling,
 * statements come in an order where every variable is defined before it is read; with it, in a random order (each
 * variable is still assigned exactly once, so the program stays well defined).
 *
 * <p>The text uses only a-z, 0-9 and {@code = ; ? + -}, one character per token with the task's own tokenizer
 * (models/chain-tokenizer), so a tiny model can learn it. tools/make_chain_task.py is the same generator in Python:
 * every draw below must be mirrored there, in the same order.
 */
public record ChainTask(int distractors, boolean shuffle, int maxStep) {
    public static final int MODULUS = 10;
    public static final int MAX_DEPTH = 20;
    /** Seeds the extra queries' generator apart from the problem's ("Query" in ASCII), as tools/make_chain_task.py does. */
    static final long QUERY_SALT = 0x5175657279L;

    /** The largest step size: k in 1..9, every residue but 0. */
    public static final int DEFAULT_MAX_STEP = 9;

    public ChainTask {
        if (distractors < 0) {
            throw new IllegalArgumentException("distractors must be >= 0, got " + distractors);
        }
        if (maxStep < 1 || maxStep > DEFAULT_MAX_STEP) {
            throw new IllegalArgumentException("max step must be in [1, 9], got " + maxStep);
        }
    }

    /** Steps of any size 1..9. */
    public ChainTask(int distractors, boolean shuffle) {
        this(distractors, shuffle, DEFAULT_MAX_STEP);
    }

    /** n problems of one depth; problem i is {@link #problem} with the i-th draw of SplitMix64(seed + depth). */
    public List<ChainProblem> problems(long seed, int depth, int n) {
        SplitMix64 seeds = new SplitMix64(seed + depth);
        List<ChainProblem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(problem(seeds.next(), depth));
        }
        return out;
    }

    /**
     * Training texts with queries, the twin of tools/make_chain_task.py --queries: problem i is the i-th of
     * {@link #problems}, its text followed by min(queries - 1, all) queries ";v=?x" of the program's other
     * variables, each once. An intermediate chain variable is a shallower sub-problem, so a model trained on these
     * sees an answer every few tokens instead of one per program. queries 1: the plain texts.
     */
    public List<String> trainingTexts(long seed, int depth, int n, int queries) {
        if (queries < 1) {
            throw new IllegalArgumentException("queries must be >= 1, got " + queries);
        }
        SplitMix64 seeds = new SplitMix64(seed + depth);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long s = seeds.next();
            ChainProblem p = problem(s, depth);
            out.add(queries == 1 ? p.text() : p.text() + extraQueries(s, p, queries - 1));
        }
        return out;
    }

    /**
     * The queries after the answer: the other variables' names sorted, shuffled by SplitMix64(seed ^ QUERY_SALT),
     * the first k of them, each with its value.
     */
    private static String extraQueries(long seed, ChainProblem p, int k) {
        ChainSolver.Program program = ChainSolver.parse(p.prompt());
        char asked = program.query();
        List<Character> names = new ArrayList<>();
        for (ChainSolver.Statement st : program.statements()) {
            if (st.target() != asked) {
                names.add(st.target());
            }
        }
        Character[] sorted = names.stream().sorted().toArray(Character[]::new);
        shuffle(new SplitMix64(seed ^ QUERY_SALT), sorted);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(k, sorted.length); i++) {
            int value = ChainSolver.solve(new ChainSolver.Program(program.statements(), sorted[i]));
            out.append(';').append(sorted[i]).append("=?").append(value);
        }
        return out.toString();
    }

    public ChainProblem problem(long seed, int depth) {
        if (depth < 1 || depth > MAX_DEPTH) {
            throw new IllegalArgumentException("depth must be in [1, " + MAX_DEPTH + "], got " + depth);
        }
        if (depth + 1 + distractors > 26) {
            throw new IllegalArgumentException("depth " + depth + " with " + distractors + " distractors needs "
                    + (depth + 1 + distractors) + " variables; there are 26 letters");
        }
        SplitMix64 rng = new SplitMix64(seed);
        char[] letters = "abcdefghijklmnopqrstuvwxyz".toCharArray();
        shuffle(rng, letters);
        // kinds: true = the next chain statement, false = a distractor, in a random interleaving
        boolean[] chainKind = new boolean[depth + 1 + distractors];
        for (int i = 0; i <= depth; i++) {
            chainKind[i] = true;
        }
        shuffle(rng, chainKind);
        List<String> statements = new ArrayList<>();
        StringBuilder defined = new StringBuilder();
        int step = 0, nextDistractor = depth + 1, value = 0;
        for (boolean chain : chainKind) {
            char v;
            String rhs;
            if (chain) {
                v = letters[step];
                if (step == 0) {
                    value = rng.below(MODULUS);
                    rhs = Integer.toString(value);
                } else {
                    Op op = op(rng);
                    value = op.apply(value);
                    rhs = letters[step - 1] + op.text();
                }
                step++;
            } else {
                v = letters[nextDistractor++];
                if (defined.isEmpty() || rng.below(2) == 0) {
                    rhs = Integer.toString(rng.below(MODULUS));
                } else {
                    rhs = defined.charAt(rng.below(defined.length())) + op(rng).text();
                }
            }
            defined.append(v);
            statements.add(v + "=" + rhs);
        }
        if (shuffle) {
            String[] s = statements.toArray(String[]::new);
            shuffle(rng, s);
            statements = List.of(s);
        }
        return new ChainProblem(String.join(";", statements) + ";" + letters[depth] + "=?", Integer.toString(value), depth);
    }

    /** An operation with its constant: +k or -k. */
    record Op(char symbol, int k) {
        int apply(int x) {
            return switch (symbol) {
                case '+' -> (x + k) % MODULUS;
                default -> Math.floorMod(x - k, MODULUS);
            };
        }

        String text() {
            return symbol + Integer.toString(k);
        }
    }

    private Op op(SplitMix64 rng) {
        char symbol = rng.below(2) == 0 ? '+' : '-';
        return new Op(symbol, 1 + rng.below(maxStep));
    }

    /** Fisher-Yates from the last element down, j = below(i + 1): the order Python's mirror uses. */
    private static void shuffle(SplitMix64 rng, char[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.below(i + 1);
            char t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void shuffle(SplitMix64 rng, boolean[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.below(i + 1);
            boolean t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static <T> void shuffle(SplitMix64 rng, T[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.below(i + 1);
            T t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
