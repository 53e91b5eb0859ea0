package dev.redengine.backend.cuda;

import dev.redengine.tensor.DType;

/**
 * Launch geometry of the grid-stride kernels (native/elementwise.cu, bias.cu, rope.cu, swiglu.cu) and the dtype
 * codes of cast_float_dtypes.
 */
final class ElementwiseLaunch {
    private ElementwiseLaunch() {
    }

    /** Threads per block of the grid-stride kernels. */
    static final int BLOCK = 256;

    /**
     * Blocks at most: 4096 x 256 threads (about 1M) fill any current GPU many times over; beyond that each thread
     * takes several elements by grid stride, which keeps the grid size an int whatever n is.
     */
    static final int MAX_BLOCKS = 4096;

    /** Blocks for n elements (at least 1). */
    static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + BLOCK - 1) / BLOCK));
    }

    /** The code of a float dtype in native/elementwise.cu (DTYPE_F32, DTYPE_BF16, DTYPE_F16). */
    static int dtypeCode(DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case BF16 -> 1;
            case F16 -> 2;
            case I32 -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        };
    }

    /** Row chunks of bias_backward_partial at most: each owns a row of the partial sums. */
    static final int BIAS_BACKWARD_CHUNKS = 64;
}
