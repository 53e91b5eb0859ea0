package dev.redengine.backend.cuda;

import dev.redengine.tensor.Tensor;

import java.util.Arrays;

/**
 * Launch geometry of the matmul and attention kernels (native/matmul.cu, native/attention.cu): the tile sizes
 * compiled into them, the attention tile that keeps a block's shared memory under CUDA's 48 KiB default limit,
 * and the attention shape checks (the same contract as the CPU backend's).
 */
final class KernelLaunches {
    /** matmul_forward: a block computes a [64, 64] tile of C with 256 threads. */
    static final int MATMUL_TILE = 64, MATMUL_THREADS = 256;
    /** Attention kernels: threads per tile row (blockDim.x = 4 tile). */
    static final int ATTENTION_THREADS_PER_ROW = 4;
    /** CUDA's default limit of shared memory per block (more needs an opt-in the kernels do not make). */
    static final int SHARED_LIMIT = 48 * 1024;

    private KernelLaunches() {
    }

    static int matmulBlocks(int m, int n) {
        long blocks = (long) ceilDiv(m, MATMUL_TILE) * ceilDiv(n, MATMUL_TILE);
        return Math.toIntExact(blocks);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * The shared memory of one attention kernel as a function of its square tile: {@code tileD} [tile, D] tiles,
     * {@code tileTile} [tile, tile] score tiles and {@code tileOnly} [tile] vectors, all float; the rows of the
     * first two kinds are padded by one float (against shared-memory bank conflicts).
     */
    record AttentionKernel(String name, int tileD, int tileTile, int tileOnly) {
        static final AttentionKernel FORWARD = new AttentionKernel("attention_forward", 4, 1, 0);
        static final AttentionKernel DKDV = new AttentionKernel("attention_backward_dkdv", 6, 2, 2);
        static final AttentionKernel DQ = new AttentionKernel("attention_backward_dq", 5, 1, 0);

        int sharedBytes(int tile, int d) {
            return Float.BYTES * (tileD * tile * (d + 1) + tileTile * tile * (tile + 1) + tileOnly * tile);
        }

        /**
         * The tile of 32, 16 or 8 rows for {@code rows} query rows of head dim d: the largest whose shared memory
         * fits, but no larger than needed to cover the rows (a decoding step has 1: a 32-row tile would compute 32
         * rows of scores for it). 8 is the least: the forward combines a row's statistics by shuffles, so a block
         * must be whole warps of 4 tile threads.
         */
        int tile(int d, int rows) {
            for (int tile = 32; tile >= 8; tile /= 2) {
                if (sharedBytes(tile, d) <= SHARED_LIMIT) {
                    while (tile > 8 && tile / 2 >= rows) {
                        tile /= 2;
                    }
                    return tile;
                }
            }
            throw new IllegalArgumentException(name + ": head dim " + d + " does not fit an 8-row tile in "
                    + SHARED_LIMIT + " bytes of shared memory");
        }
    }

    /** q [B, T, H, D]; k, v [B, T, KV, D]; H a multiple of KV. */
    record AttentionShape(int batch, int seqLen, int heads, int kvHeads, int dim) {
        static AttentionShape of(Tensor q, Tensor k, Tensor v, int batch, int seqLen) {
            int d = q.dim(-1);
            long tokens = (long) batch * seqLen;
            if (batch <= 0 || seqLen <= 0 || d == 0 || q.numel() % (tokens * d) != 0 || k.numel() % (tokens * d) != 0
                    || v.numel() != k.numel() || k.dim(-1) != d) {
                throw new IllegalArgumentException("attention shapes: q " + q + ", k " + k + ", v " + v + " for B=" + batch
                        + ", T=" + seqLen);
            }
            int heads = Math.toIntExact(q.numel() / tokens / d), kvHeads = Math.toIntExact(k.numel() / tokens / d);
            if (kvHeads == 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("attention: H = " + heads + " query heads do not share KV = " + kvHeads
                        + " heads evenly (q " + q + ", k " + k + ")");
            }
            return new AttentionShape(batch, seqLen, heads, kvHeads, d);
        }

        long qCount() {
            return (long) batch * seqLen * heads * dim;
        }

        long kvCount() {
            return (long) batch * seqLen * kvHeads * dim;
        }

        long lseCount() {
            return (long) batch * heads * seqLen;
        }

        /** Blocks of a kernel with one block per (batch, head, tile of the sequence). */
        int blocks(int headsPerBatch, int tile) {
            return Math.toIntExact((long) batch * headsPerBatch * ceilDiv(seqLen, tile));
        }
    }

    /** q, out [T, H, D]; kCache, vCache [S, KV, D], S >= position + T; H a multiple of KV. */
    static void checkCachedAttention(Tensor out, Tensor q, Tensor kCache, Tensor vCache, int position) {
        if (q.rank() != 3 || kCache.rank() != 3 || !Arrays.equals(kCache.shape(), vCache.shape())
                || !Arrays.equals(out.shape(), q.shape()) || q.dim(2) != kCache.dim(2)) {
            throw new IllegalArgumentException("cachedAttention shapes: out " + out + ", q " + q + ", k " + kCache + ", v "
                    + vCache + "; expected out, q [T, H, D] and k, v [S, KV, D]");
        }
        int heads = q.dim(1), kv = kCache.dim(1);
        if (kv == 0 || heads % kv != 0) {
            throw new IllegalArgumentException("cachedAttention: H = " + heads + " query heads do not share KV = " + kv
                    + " heads evenly");
        }
        if (position < 0 || (long) position + q.dim(0) > kCache.dim(0)) {
            throw new IllegalArgumentException("cachedAttention: positions " + position + " .. " + (position + q.dim(0) - 1)
                    + " do not fit a cache of " + kCache.dim(0) + " positions");
        }
    }
}
