package dev.redengine.backend.cpu;

import dev.redengine.tensor.Tensor;

/** Index arithmetic for q [B, T, H, D], k, v [B, T, KV, D] and lse [B, H, T] shared by attention forward and backward. */
record AttentionShape(int seqLen, int heads, int kvHeads, int dim) {

    static AttentionShape of(Tensor q, Tensor k, int batch, int seqLen) {
        int d = q.dim(-1);
        long tokens = (long) batch * seqLen;
        int heads = Math.toIntExact(q.numel() / tokens / d);
        int kvHeads = Math.toIntExact(k.numel() / tokens / d);
        if (tokens * heads * d != q.numel() || tokens * kvHeads * d != k.numel() || kvHeads == 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention shapes: q " + q + ", k " + k + " for B=" + batch + ", T=" + seqLen);
        }
        return new AttentionShape(seqLen, heads, kvHeads, d);
    }

    /** Query heads that share one KV head. */
    int group() {
        return heads / kvHeads;
    }

    long qOffset(int b, int t, int h) {
        return (((long) b * seqLen + t) * heads + h) * dim;
    }

    long kvOffset(int b, int t, int g) {
        return (((long) b * seqLen + t) * kvHeads + g) * dim;
    }

    /** Where row 0 of (batch b, head h) lies in lse [B, H, T]. */
    long lseOffset(int b, int h) {
        return ((long) b * heads + h) * seqLen;
    }

    void requireLse(Tensor lse, int batch) {
        if (lse.numel() != (long) batch * heads * seqLen) {
            throw new IllegalArgumentException("attention lse " + lse + " is not [B, H, T] = [" + batch + ", " + heads
                    + ", " + seqLen + "]");
        }
    }
}
