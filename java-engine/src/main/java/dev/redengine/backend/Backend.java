package dev.redengine.backend;

import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The ops a transformer needs, forward and backward. The model is written once against this interface; the
 * CPU backend (the reference) and the CUDA backend implement it.
 *
 * <p>Conventions, so that a device backend never needs a hidden host round trip:
 * <ul>
 *   <li>every op writes into preallocated outputs; nothing returns a fresh tensor except {@link #allocate};</li>
 *   <li>parameter gradients always accumulate ({@code +=}), so micro-batches add up;</li>
 *   <li>activation gradients overwrite, except where a method says {@code +=} (the residual stream);</li>
 *   <li>shapes are row-major; N = B * T tokens; comments give each buffer's shape.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    /** Short human name, e.g. "cpu (Vector API, 512-bit, 2 threads)". */
    String name();

    /**
     * The arena that {@link #allocate} uses: it lives as long as the backend and is freed by {@link #close}.
     * Tensors of a shorter phase (one calibration batch, one evaluation) come from {@link #openArena} instead.
     */
    TensorArena arena();

    /** A new arena on this backend whose tensors are all freed when it is closed. */
    TensorArena openArena();

    /** A zero-filled tensor from the backend's {@link #arena()}. */
    default Tensor allocate(DType dtype, int... shape) {
        return arena().allocate(dtype, shape);
    }

    default Tensor allocate(int... shape) {
        return allocate(DType.F32, shape);
    }

    /** Copies host memory of exactly {@code dst}'s byte size (native byte order, dst's dtype) into {@code dst}. */
    void upload(Tensor dst, MemorySegment src);

    /** Copies {@code src} into host memory of exactly its byte size. */
    void download(Tensor src, MemorySegment dst);

    default void upload(Tensor dst, float[] src) {
        dst.requireDtype(DType.F32);
        upload(dst, MemorySegment.ofArray(src));
    }

    default void upload(Tensor dst, int[] src) {
        dst.requireDtype(DType.I32);
        upload(dst, MemorySegment.ofArray(src));
    }

    /** A float32 tensor's elements on the host (a sync point on a device). */
    default float[] downloadFloats(Tensor src) {
        src.requireDtype(DType.F32);
        float[] host = new float[Math.toIntExact(src.numel())];
        download(src, MemorySegment.ofArray(host));
        return host;
    }

    default int[] downloadInts(Tensor src) {
        src.requireDtype(DType.I32);
        int[] host = new int[Math.toIntExact(src.numel())];
        download(src, MemorySegment.ofArray(host));
        return host;
    }

    /**
     * dst = src converted elementwise between float dtypes (F32, BF16, F16; same element count). Narrowing
     * rounds to nearest even; widening is exact.
     */
    void cast(Tensor dst, Tensor src);

    void zero(Tensor t);

    /** dst = src (same element count). */
    void copy(Tensor dst, Tensor src);

    /** out = a + b, elementwise; out may alias a or b. */
    void add(Tensor out, Tensor a, Tensor b);

    /** dst += src, elementwise. */
    void accumulate(Tensor dst, Tensor src);

    /** x *= s, elementwise. */
    void scale(Tensor x, float s);

    /**
     * C = alpha * op(A) op(B) + beta * C, with op(X) = X or X^T. As matrices: op(A) [M, K], op(B) [K, N],
     * C [M, N]; A and B are read as 2-D [rows, last dim] whatever their rank. beta = 1 accumulates; beta = 0
     * does not read C (whatever it held, NaN included, is overwritten), as in BLAS.
     */
    void matmul(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta);

    /** y[n, c] += bias[c]. y [N, C], bias [C]. */
    void addBias(Tensor y, Tensor bias);

    /** dbias[c] += sum_n dy[n, c]. */
    void biasBackward(Tensor dbias, Tensor dy);

    /**
     * out[n, :] = table[ids[n], :]. ids int32 [N] (any shape of N elements), table [V, C], out [N, C]. An id
     * outside [0, V) is an IndexOutOfBoundsException naming it.
     */
    void embedding(Tensor out, Tensor ids, Tensor table);

    /** dtable[ids[n], :] += dout[n, :] (repeated ids add up); ids outside [0, V) as in {@link #embedding}. */
    void embeddingBackward(Tensor dtable, Tensor ids, Tensor dout);

    /**
     * RMSNorm over the last dimension: out = x * rstd * weight, rstd = 1 / sqrt(mean(x^2) + eps).
     * x, out [R, C]; weight [C]; rstd [R] is saved for the backward pass.
     */
    void rmsnorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, float eps);

    /** dx += d/dx, dweight += d/dweight, given dout [R, C] and what the forward saved. */
    void rmsnormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor weight, Tensor rstd);

    /**
     * Rotary embedding in place, HF "rotate_half" layout: x [B*T, H, D]; cos, sin [T, D/2] hold the angle
     * table for positions 0..T-1 (each sequence of the batch starts at position 0).
     */
    void rope(Tensor x, Tensor cos, Tensor sin, int seqLen);

    /** The transpose of {@link #rope}, in place on dx: a rotation by the negative angle. */
    void ropeBackward(Tensor dx, Tensor cos, Tensor sin, int seqLen);

    /**
     * Causal softmax attention with grouped-query heads. q [B, T, H, D]; k, v [B, T, KV, D] (H % KV == 0,
     * query head h reads KV head h / (H / KV)); out [B, T, H, D]. scale is usually 1 / sqrt(D).
     *
     * <p>For the backward pass it saves only lse [B, H, T] (float32): the log-sum-exp of each query row's
     * scaled scores s_ij = scale q_i . k_j over its keys j <= i, i.e. max_j s_ij + log sum_j exp(s_ij - max).
     * The probabilities P [B, H, T, T] are never stored: that buffer is O(T^2) (2 GiB per layer, 17 GB over the
     * 8 layers of a 10M Llama at B = 4, T = 4096), whereas lse is O(T), so long sequences fit, and a device
     * backend can implement the same contract with a fused (FlashAttention) kernel that keeps its score tiles
     * on chip.
     */
    void attention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, int batch, int seqLen, float scale);

    /**
     * Gradients of {@link #attention}: dq [B, T, H, D], dk, dv [B, T, KV, D] overwritten, given dout [B, T, H, D]
     * and what the forward read and saved (q, k, v, out, lse). Implementations recompute the probabilities tile
     * by tile, P_ij = exp(scale q_i . k_j - lse_i), and use the FlashAttention-2 identity
     * dS = P * (dP - rowsum(dout * out)) (rowsum(P * dP) = dout_i . out_i, which costs O(T D) instead of
     * O(T^2)), so that no T x T buffer exists here either: per thread, memory is O(tile x T) or O(T x D).
     */
    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                           Tensor lse, int batch, int seqLen, float scale);

    /**
     * Attention of new queries against a key/value cache, for incremental decoding of one sequence. q [T, H, D]
     * holds the queries of positions {@code position .. position + T - 1}; kCache, vCache [S, KV, D] (S >= position
     * + T) hold the keys and values of positions 0 .. position + T - 1 already written (those of the new tokens
     * included), rows beyond are not read. Query i reads keys j <= position + i (causal), GQA as in
     * {@link #attention}; out [T, H, D]. With position = 0 and T = S it equals {@link #attention} at B = 1.
     * Nothing is saved for a backward pass: this is for inference only.
     */
    void cachedAttention(Tensor out, Tensor q, Tensor kCache, Tensor vCache, int position, float scale);

    /** out = silu(gate) * up, elementwise. All [N, F]. */
    void swiglu(Tensor out, Tensor gate, Tensor up);

    /** dgate, dup overwritten from dout. */
    void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up);

    /**
     * Softmax cross-entropy per row. logits [N, V]; targets int32 [N], negative = ignored (loss 0, grad 0);
     * losses [N] gets -log softmax(logits)[target], and lossSum [1] += the sum of those losses, so that the
     * mean loss stays on the device until someone reads it. If dlogits [N, V] is not null it gets
     * gradScale * (softmax - onehot) for rows with a target and 0 elsewhere (it may alias logits).
     */
    void crossEntropy(Tensor losses, Tensor lossSum, Tensor dlogits, Tensor logits, Tensor targets, float gradScale);

    /**
     * Knowledge-distillation loss per row, fused: student, teacher logits [N, V] (the teacher is read only);
     * mask [N], int32 or float32, selects the rows that count (non-zero), or is null for all rows. With
     * p = softmax(teacher / T) and q = softmax(student / T) (T = temperature > 0), the row's divergence is the
     * forward KL(p || q) = sum p (log p - log q) or, when {@code reverse}, KL(q || p) = sum q (log q - log p).
     * losses [N] gets T^2 * KL for selected rows and 0 for the others, and lossSum [1] += the sum of the losses.
     * The T^2 factor (Hinton et al.) keeps the gradient's size independent of T: d KL / d student carries a
     * 1 / T, and the soft targets' gradient shrinks by another 1 / T as T grows.
     *
     * <p>If dstudent [N, V] is not null (it may alias student, never teacher) it gets gradScale * d(T^2 KL) /
     * d(student) for selected rows and 0 elsewhere: forward T (q - p); reverse T q ((log q - log p) - KL).
     * Computed max-shifted (log-sum-exp), so logits of any offset work; identical rows give exactly 0.
     */
    void klDivergence(Tensor losses, Tensor lossSum, Tensor dstudent, Tensor student, Tensor teacher, Tensor mask,
                      float temperature, boolean reverse, float gradScale);

    /**
     * Mean squared error per row, fused, for comparing activations: x, target [N, C] (any shapes of N rows of C).
     * losses [N] gets (1/C) sum_c (x - target)^2 and lossSum [1] += the sum of those losses. Gradients
     * accumulate ({@code +=}, so that several losses on one activation add up without a scratch buffer):
     * dx [N, C], if not null, += gradScale (2/C) (x - target); dtarget, if not null, += -gradScale (2/C) (x - target)
     * (for a target that is itself a function of trainable weights). Neither may alias x or target.
     */
    void mseLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale);

    /**
     * Cosine distance per row, fused: x, target [N, C]. losses [N] gets 1 - cos with
     * cos = x . target / (|x| |target|), and lossSum [1] += their sum. A row where x or target is all zeros has
     * no direction: cos is taken as 0 (loss 1) and its gradient as 0. Gradients accumulate ({@code +=}):
     * dx += -gradScale (target / (|x| |target|) - cos x / |x|^2), dtarget += -gradScale (x / (|x| |target|)
     * - cos target / |target|^2); either may be null, neither may alias x or target.
     */
    void cosineLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale);

    // Optimiser. Its scalars (learning rate, step, gradient norm, clip scale) live in small device tensors, so
    // that a training step makes no host round trip and a captured CUDA graph replays with current values.

    /** acc [1] += sum of x^2 over all elements (x any float32 shape); accumulated in double within the op. */
    void sumSquares(Tensor acc, Tensor x);

    /**
     * Global-norm clipping from the sum of squares already accumulated in {@code scalars} (an
     * {@link OptimizerScalars} tensor): GRAD_NORM = sqrt(SUM_SQUARES); CLIP_SCALE = maxNorm / norm when
     * maxNorm > 0 and norm > maxNorm, else 1; NON_FINITE becomes the current STEP + 1 (the step being taken)
     * when the norm is NaN or infinite and is kept (sticky) until the host resets it.
     */
    void clipScale(Tensor scalars, float maxNorm);

    /** STEP += 1, then LR = lrTable[min(STEP, S) - 1]: lrTable [S] is the whole schedule, uploaded once. */
    void advanceStep(Tensor scalars, Tensor lrTable);

    /**
     * One AdamW step in place (decoupled weight decay, bias-corrected moments, step t counted from 1):
     * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m / (1-b1^t) / (sqrt(v / (1-b2^t)) + eps) + wd p),
     * with g = grad * CLIP_SCALE and lr, t read from {@code scalars}. Nothing is updated while NON_FINITE is
     * set, so the parameters keep their last finite values.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor scalars, float beta1, float beta2, float eps,
               float weightDecay);

    // Calibration statistics: per-sequence reductions over tokens, so that only [B, C] comes back to the host.

    /** out[b, c] = mean over t of |x[b*T + t, c]|. x [B*T, C], out [B, C]. */
    void absMeanOverTokens(Tensor out, Tensor x, int seqLen);

    /** out[b, h] = mean over t of ||x[b*T + t, h, :]||_2. x [B*T, H, D], out [B, H]. */
    void headNormMeanOverTokens(Tensor out, Tensor x, int seqLen);

    /** Blocks until all queued work is done (a no-op on the CPU). */
    default void synchronize() {
    }

    @Override
    default void close() {
    }
}
