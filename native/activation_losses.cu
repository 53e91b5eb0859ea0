// activation_losses.cu: the fused losses that compare activations row by row (Backend.mseLoss,
// Backend.cosineLoss), loss and both gradients in one kernel. Gradients accumulate (+=), so several losses on one
// activation add up without a scratch buffer. One block per row; thread t owns columns t, t + blockDim.x, ... of
// the row, so no two threads write one element. The loss sum is loss_sum_rows (loss_sum.cu), in a fixed order.
//   mse:    losses[n] = (1/C) sum (x - t)^2; dx += s (x - t); dtarget += s (t - x), s = gradScale 2 / C.
//   cosine: losses[n] = 1 - cos, cos = x . t / (|x| |t|); dx += -g (t / (|x||t|) - cos x / |x|^2),
//           dtarget += -g (x / (|x||t|) - cos t / |t|^2); a row where x or t is all zeros: loss 1, no gradient.
#include "cuda_sim.h"
#include "common.cuh"

// Grid (N), block (multiple of 32). dx, dtarget: null or a buffer that aliases neither x nor target.
extern "C" __global__ void mse_loss_forward_backward(float* losses,        // [N]
                                                     float* dx,            // [N, C] or null, +=
                                                     float* dtarget,       // [N, C] or null, +=
                                                     const float* x,       // [N, C]
                                                     const float* target,  // [N, C]
                                                     int C, float s) {
    __shared__ float scratch[32];
    const size_t o = (size_t)blockIdx.x * C;
    float ss = 0.0f;
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        const float d = x[o + j] - target[o + j];
        ss = fmaf(d, d, ss);
    }
    ss = block_sum(ss, scratch);
    if (threadIdx.x == 0) {
        losses[blockIdx.x] = ss / (float)C;
    }
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        const float xv = x[o + j], tv = target[o + j];
        if (dx != nullptr) {
            dx[o + j] = fmaf(xv - tv, s, dx[o + j]);
        }
        if (dtarget != nullptr) {
            dtarget[o + j] = fmaf(tv - xv, s, dtarget[o + j]);
        }
    }
}
SIM_REGISTER(mse_loss_forward_backward);

// Grid (N), block (multiple of 32). dx, dtarget: null or a buffer that aliases neither x nor target.
extern "C" __global__ void cosine_loss_forward_backward(float* losses,        // [N]
                                                        float* dx,            // [N, C] or null, +=
                                                        float* dtarget,       // [N, C] or null, +=
                                                        const float* x,       // [N, C]
                                                        const float* target,  // [N, C]
                                                        int C, float grad_scale) {
    __shared__ float scratch[32];
    const size_t o = (size_t)blockIdx.x * C;
    float xx = 0.0f, tt = 0.0f, xt = 0.0f;
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        const float xv = x[o + j], tv = target[o + j];
        xx = fmaf(xv, xv, xx);
        tt = fmaf(tv, tv, tt);
        xt = fmaf(xv, tv, xt);
    }
    // The butterfly leaves bit-identical sums in every thread, so the branch below is the same for the block.
    xx = block_sum(xx, scratch);
    tt = block_sum(tt, scratch);
    xt = block_sum(xt, scratch);
    if (xx == 0.0f || tt == 0.0f) {  // no direction: cos 0, gradient 0
        if (threadIdx.x == 0) {
            losses[blockIdx.x] = 1.0f;
        }
        return;
    }
    const double inv = 1.0 / sqrt((double)xx * tt);  // 1 / (|x| |t|), in double: xx tt may overflow float
    const float cos = (float)(xt * inv);
    if (threadIdx.x == 0) {
        losses[blockIdx.x] = 1.0f - cos;
    }
    const float sa = (float)(-grad_scale * inv);          // the coefficient of the other row
    const float sx = grad_scale * cos / xx, st = grad_scale * cos / tt;  // of the row itself
    for (int j = threadIdx.x; j < C; j += blockDim.x) {
        const float xv = x[o + j], tv = target[o + j];
        if (dx != nullptr) {
            dx[o + j] += fmaf(xv, sx, tv * sa);
        }
        if (dtarget != nullptr) {
            dtarget[o + j] += fmaf(tv, st, xv * sa);
        }
    }
}
SIM_REGISTER(cosine_loss_forward_backward);
