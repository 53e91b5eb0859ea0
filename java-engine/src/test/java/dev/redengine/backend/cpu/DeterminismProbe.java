package dev.redengine.backend.cpu;

import dev.redengine.model.CausalLM;
import dev.redengine.model.ModelConfig;
import dev.redengine.model.RandomInit;
import dev.redengine.model.TestModels;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import dev.redengine.train.AdamW;
import dev.redengine.train.LmTrainer;
import dev.redengine.train.LrSchedule;
import jdk.incubator.vector.FloatVector;

import java.util.SplittableRandom;

/**
 * A fingerprint of everything on the training path that calls exp, on fixed inputs: the exp kernels (vector and
 * scalar), cross-entropy, SwiGLU and attention forward and backward, and the parameters after a few training
 * steps of a tiny Llama. DeterminismTest compares it across JIT states: this JVM cold and warm, and a forked JVM
 * run with -Xint or C1 only through {@link #main}.
 */
public final class DeterminismProbe {
    private DeterminismProbe() {
    }

    /** Prints the fingerprint for 1 and for 2 threads, "threads=fingerprint" per line. */
    public static void main(String[] args) {
        for (String a : args) {
            int threads = Integer.parseInt(a);
            System.out.println(threads + "=" + Long.toHexString(fingerprint(threads, 2)));
        }
    }

    /** Mixes the raw bits of every float (so NaN payloads and signed zeros count). */
    static long mix(long h, float[] values) {
        for (float v : values) {
            h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001B3L;
        }
        return h;
    }

    static float[] inputs(long seed, int n, double lo, double hi) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return x;
    }

    /** exp through the vector kernel (whole vectors) and the scalar one, on n inputs. */
    static float[] expKernels(float[] x) {
        float[] out = new float[2 * x.length];
        int i = 0;
        for (int bound = Simd.S.loopBound(x.length); i < bound; i += Simd.S.length()) {
            Exp.exp(FloatVector.fromArray(Simd.S, x, i)).intoArray(out, i);
        }
        for (; i < x.length; i++) {
            out[i] = Exp.exp(x[i]);
        }
        for (int j = 0; j < x.length; j++) {
            out[x.length + j] = Exp.exp(x[j]);
        }
        return out;
    }

    static long fingerprint(int threads, int trainSteps) {
        long h = 0xcbf29ce484222325L;
        h = mix(h, expKernels(inputs(1, 203, -110, 95)));
        try (CpuBackend be = new CpuBackend(threads)) {
            h = mix(h, ops(be));
            ModelConfig c = TestModels.tiny("LlamaForCausalLM", false);
            CausalLM lm = new CausalLM(c, RandomInit.forTraining(be, c, 7), be);
            LmTrainer trainer = new LmTrainer(lm, AdamW.Settings.defaults(), new LrSchedule(1e-2, 1, 10, 0.1), 2, 8);
            int[] ids = new SplittableRandom(5).ints(16, 0, c.vocabSize()).toArray();
            for (int s = 0; s < trainSteps; s++) {
                trainer.step(ids);
            }
            h = mix(h, be.downloadFloats(lm.parameters().flat()));
            h = mix(h, new float[]{trainer.read().loss()});
        }
        return h;
    }

    private static Tensor upload(CpuBackend be, float[] values, int... shape) {
        Tensor t = be.allocate(shape);
        be.upload(t, values);
        return t;
    }

    /** Cross-entropy (a vocabulary with a scalar tail), SwiGLU and attention, forward and backward. */
    static float[] ops(CpuBackend be) {
        int rows = 6, vocab = 1003;
        Tensor logits = upload(be, inputs(2, rows * vocab, -30, 30), rows, vocab);
        Tensor targets = be.allocate(DType.I32, rows);
        be.upload(targets, new int[]{0, 5, 1002, -1, 17, 999});
        Tensor losses = be.allocate(rows), lossSum = be.allocate(1), dlogits = be.allocate(rows, vocab);
        be.crossEntropy(losses, lossSum, dlogits, logits, targets, 0.25f);

        int n = 3 * 37;
        Tensor gate = upload(be, inputs(3, n, -20, 20), 3, 37), up = upload(be, inputs(4, n, -2, 2), 3, 37);
        Tensor sw = be.allocate(3, 37), dgate = be.allocate(3, 37), dup = be.allocate(3, 37);
        be.swiglu(sw, gate, up);
        be.swigluBackward(dgate, dup, up, gate, up);

        int b = 1, t = 37, heads = 4, kv = 2, d = 16;
        Tensor q = upload(be, inputs(5, b * t * heads * d, -2, 2), b, t, heads, d);
        Tensor k = upload(be, inputs(6, b * t * kv * d, -2, 2), b, t, kv, d);
        Tensor v = upload(be, inputs(7, b * t * kv * d, -2, 2), b, t, kv, d);
        Tensor dout = upload(be, inputs(8, b * t * heads * d, -1, 1), b, t, heads, d);
        Tensor out = be.allocate(b, t, heads, d), lse = be.allocate(b, heads, t);
        Tensor dq = be.allocate(b, t, heads, d), dk = be.allocate(b, t, kv, d), dv = be.allocate(b, t, kv, d);
        float scale = 0.25f;
        be.attention(out, lse, q, k, v, b, t, scale);
        be.attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, b, t, scale);

        Tensor[] results = {losses, lossSum, dlogits, sw, dgate, dup, out, lse, dq, dk, dv};
        int total = 0;
        for (Tensor r : results) {
            total += (int) r.numel();
        }
        float[] all = new float[total];
        int o = 0;
        for (Tensor r : results) {
            float[] f = be.downloadFloats(r);
            System.arraycopy(f, 0, all, o, f.length);
            o += f.length;
        }
        return all;
    }
}
