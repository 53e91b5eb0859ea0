package dev.redengine.backend.cuda;

/**
 * Launch geometry of the matmul and attention kernels (native/matmul.cu, native/attention.cu): the tile sizes
 * compiled into them and the tile choice that keeps an attention block's shared memory under CUDA's 48 KiB
 * default limit.
 */
final class KernelLaunches {
    /** matmul_forward: a block computes a [64, 64] tile of C with 256 threads. */
    static final int MATMUL_TILE = 64, MATMUL_THREADS = 256;

    private KernelLaunches() {
    }

    static int matmulBlocks(int m, int n) {
        long blocks = (long) ceilDiv(m, MATMUL_TILE) * ceilDiv(n, MATMUL_TILE);
        return Math.toIntExact(blocks);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
