package dev.redengine.bench;

import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.backend.TensorArena;
import dev.redengine.model.Activations;
import dev.redengine.model.CausalLM;
import dev.redengine.model.ConfigJson;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times the ops of a Llama-like layer on any {@link Backend}: each op on shapes derived from the tokens N, model
 * width C, heads H and vocabulary V of {@link Shape} (the shapes of Llama-124M by default), after warm-up, each
 * timed call ended by {@link Backend#synchronize}. Work per call is counted as the least memory traffic (every
 * input read once, every output written once) for the memory-bound ops, and as floating-point operations for
 * matmul and attention; the result is set against the device's peak for that kind. tools/torch_ops_bench.py runs
 * the same ops on the same shapes in PyTorch, so the two JSON files compare op by op.
 */
public final class OpBench {
    /** Every op, in the order they run ("copy" first: it is the measured bandwidth peak where no table entry fits). */
    public static final List<String> OPS = List.of("copy", "add", "rmsnorm", "swiglu", "cross_entropy", "matmul", "attention", "adamw", "train_step");

    /**
     * N tokens (one sequence for attention and train_step), width C, H heads of C / H, vocabulary V; FFN width 4C
     * for the single ops; train_step's Llama has L layers and FFN 8C/3 rounded to 64 (2048 at C = 768).
     */
    public record Shape(int tokens, int dim, int heads, int vocab, int layers) {
        public Shape {
            if (tokens < 1 || dim < 1 || heads < 1 || vocab < 1 || layers < 1 || dim % heads != 0) {
                throw new IllegalArgumentException("bench shape: tokens, dim, heads and vocab must be >= 1 and heads must divide dim; got "
                        + this);
            }
        }

        int ffn() {
            return 4 * dim;
        }

        int llamaFfn() {
            return Math.max(64, (8 * dim / 3 + 63) / 64 * 64);
        }
    }

    /** One op's figures. {@code bytes} or {@code flops} is the work per call; the other is 0. */
    public record Result(String op, String shape, int calls, double millis, long bytes, long flops, double gbPerSecond,
                         double tflops, double percentOfPeak, String bound) {
    }

    private final Backend backend;
    private final Shape shape;
    private final int warmup, repeat;

    public OpBench(Backend backend, Shape shape, int warmup, int repeat) {
        if (warmup < 0 || repeat < 1) {
            throw new IllegalArgumentException("bench: --warmup must be >= 0 and --repeat >= 1");
        }
        this.backend = backend;
        this.shape = shape;
        this.warmup = warmup;
        this.repeat = repeat;
    }

    /** A prepared op: its shape string, work and one call. */
    private record Prepared(String shape, long bytes, long flops, Runnable call) {
    }

    /** Runs {@code ops} (names of {@link #OPS}) and returns their figures against {@code peak} (null: copy decides). */
    public List<Result> run(List<String> ops, DevicePeak peak) {
        for (String op : ops) {
            if (!OPS.contains(op)) {
                throw new IllegalArgumentException("unknown op \"" + op + "\"; choose from " + String.join(", ", OPS));
            }
        }
        List<double[]> timings = new ArrayList<>();
        List<Prepared> prepared = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String op : OPS) {
            if (!ops.contains(op)) {
                continue;
            }
            try (TensorArena arena = backend.openArena()) {
                Prepared p = prepare(op, arena, new Random(42));
                for (int i = 0; i < warmup; i++) {
                    p.call().run();
                }
                backend.synchronize();
                long t0 = System.nanoTime();
                for (int i = 0; i < repeat; i++) {
                    p.call().run();
                }
                backend.synchronize();
                double millis = (System.nanoTime() - t0) / 1e6 / repeat;
                timings.add(new double[]{millis});
                prepared.add(p);
                names.add(op);
            }
        }
        DevicePeak effective = peak;
        if (effective == null) {
            int copy = names.indexOf("copy");
            effective = copy < 0 ? new DevicePeak(backend.name(), Double.NaN, Double.NaN, "none (copy not run, no table entry)")
                    : DevicePeak.measured(backend.name(), gbs(prepared.get(copy).bytes(), timings.get(copy)[0]));
        }
        List<Result> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Prepared p = prepared.get(i);
            double ms = timings.get(i)[0];
            double gbs = p.bytes() > 0 ? gbs(p.bytes(), ms) : Double.NaN;
            double tf = p.flops() > 0 ? p.flops() / (ms * 1e-3) / 1e12 : Double.NaN;
            boolean compute = p.flops() > 0;
            double pct = compute ? 100 * tf / effective.tflops() : 100 * gbs / effective.gbPerSecond();
            out.add(new Result(names.get(i), p.shape(), repeat, ms, p.bytes(), p.flops(), gbs, tf, pct, compute ? "compute" : "memory"));
        }
        lastPeak = effective;
        return out;
    }

    private DevicePeak lastPeak;

    /** The peak the last {@link #run} compared with. */
    public DevicePeak peak() {
        return lastPeak;
    }

    private static double gbs(long bytes, double millis) {
        return bytes / (millis * 1e-3) / 1e9;
    }

    private Tensor random(TensorArena arena, Random r, int... shape) {
        Tensor t = arena.allocate(DType.F32, shape);
        float[] x = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        backend.upload(t, x);
        return t;
    }

    private Prepared prepare(String op, TensorArena arena, Random r) {
        int n = shape.tokens(), c = shape.dim(), f = shape.ffn(), v = shape.vocab(), h = shape.heads(), d = c / h;
        long nf = (long) n * f;
        return switch (op) {
            case "copy" -> {
                Tensor src = random(arena, r, n, f), dst = arena.allocate(DType.F32, n, f);
                yield new Prepared(dims(n, f), 2 * 4 * nf, 0, () -> backend.copy(dst, src));
            }
            case "add" -> {
                Tensor a = random(arena, r, n, f), b = random(arena, r, n, f), o = arena.allocate(DType.F32, n, f);
                yield new Prepared(dims(n, f), 3 * 4 * nf, 0, () -> backend.add(o, a, b));
            }
            case "rmsnorm" -> {
                Tensor x = random(arena, r, n, c), w = random(arena, r, c), o = arena.allocate(DType.F32, n, c),
                        rstd = arena.allocate(DType.F32, n);
                yield new Prepared(dims(n, c), 4L * (2L * n * c + c + n), 0, () -> backend.rmsnorm(o, rstd, x, w, 1e-5f));
            }
            case "swiglu" -> {
                Tensor g = random(arena, r, n, f), u = random(arena, r, n, f), o = arena.allocate(DType.F32, n, f);
                yield new Prepared(dims(n, f), 3 * 4 * nf, 0, () -> backend.swiglu(o, g, u));
            }
            case "cross_entropy" -> {
                Tensor logits = random(arena, r, n, v), dlogits = arena.allocate(DType.F32, n, v),
                        losses = arena.allocate(DType.F32, n), sum = arena.allocate(DType.F32, 1),
                        targets = arena.allocate(DType.I32, n);
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = r.nextInt(v);
                }
                backend.upload(targets, ids);
                yield new Prepared(dims(n, v), 4L * (2L * n * v + 2L * n), 0,
                        () -> backend.crossEntropy(losses, sum, dlogits, logits, targets, 1f / n));
            }
            case "matmul" -> {
                // the MLP's up projection: [N, C] x W[4C, C]^T -> [N, 4C], as nn.Linear
                Tensor x = random(arena, r, n, c), w = random(arena, r, f, c), o = arena.allocate(DType.F32, n, f);
                yield new Prepared(dims(n, c) + " x " + dims(f, c) + "^T", 0, 2L * n * c * f,
                        () -> backend.matmul(o, x, false, w, true, 1f, 0f));
            }
            case "attention" -> {
                // one causal sequence of N tokens, H heads of D: QK^T and PV over the lower triangle
                Tensor q = random(arena, r, 1, n, h, d), k = random(arena, r, 1, n, h, d), vv = random(arena, r, 1, n, h, d),
                        o = arena.allocate(DType.F32, 1, n, h, d), lse = arena.allocate(DType.F32, 1, h, n);
                long flops = 2L * 2L * h * d * ((long) n * (n + 1) / 2);
                yield new Prepared("[1, " + n + ", " + h + ", " + d + "] causal", 0, flops,
                        () -> backend.attention(o, lse, q, k, vv, 1, n, (float) (1 / Math.sqrt(d))));
            }
            case "adamw" -> {
                // the MLP up projection's weight: reads p, g, m, v and writes p, m, v
                long count = (long) f * c;
                Tensor p = random(arena, r, f, c), g = random(arena, r, f, c), m = arena.allocate(DType.F32, f, c),
                        vv = arena.allocate(DType.F32, f, c), scalars = arena.allocate(DType.F32, OptimizerScalars.SIZE);
                float[] s = new float[OptimizerScalars.SIZE];
                s[OptimizerScalars.LR] = 1e-4f;
                s[OptimizerScalars.STEP] = 1;
                s[OptimizerScalars.CLIP_SCALE] = 1;
                backend.upload(scalars, s);
                yield new Prepared(dims(f, c), 7 * 4 * count, 0, () -> backend.adamw(p, g, m, vv, scalars, 0.9f, 0.95f, 1e-8f, 0.1f));
            }
            case "train_step" -> trainStep(r);
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    /**
     * One training step (forward, mean cross-entropy, backward; no optimizer) of a Llama of L layers, width C, H
     * heads (no GQA), FFN 8C/3, vocabulary V, tied head: at the defaults (768, 12, 12, 32768) Llama-124M-like,
     * 110M parameters. Its parameters and activations live as long as the backend. Flops: 6 per weight and token
     * for every matmul weight (the tied head counted once as a matmul), plus causal attention, forward 4 H T^2 D / 2
     * per layer and backward twice that, as benchmarks' TrainStep counts them.
     */
    private Prepared trainStep(Random r) {
        int n = shape.tokens(), c = shape.dim(), h = shape.heads(), d = c / h, l = shape.layers(), f = shape.llamaFfn(), v = shape.vocab();
        ModelConfig config = ModelConfig.parse(ConfigJson.decoder("LlamaForCausalLM", c, l, h, h, d, f, v, Math.max(2048, n), true));
        CausalLM model = new CausalLM(config, RandomInit.parameters(backend, config, 1, 0.02), backend);
        Activations act = model.allocateActivations(1, n);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(v);
        }
        model.setInput(act, ids);
        int[] targets = CausalLM.shiftedTargets(ids, 1, n);
        model.gradients();
        long matmulWeights = (long) l * (4L * c * c + 3L * c * f) + (long) v * c;
        long attention = (long) l * 3 * (4L * h * d * ((long) n * n) / 2);
        return new Prepared(String.format(Locale.ROOT, "llama L%d C%d H%d F%d V%d, [1, %d]", l, c, h, f, v, n), 0,
                6 * matmulWeights * n + attention, () -> {
                    model.forward(act);
                    model.crossEntropy(act, targets, act.logits);
                    model.backward(act, act.logits);
                });
    }

    private static String dims(int a, int b) {
        return String.format(Locale.ROOT, "[%d, %d]", a, b);
    }
}
