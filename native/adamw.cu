// adamw.cu: the optimizer step on the device (Backend.advanceStep, Backend.adamw); lr, step, clip scale and the
// non-finite flag are read from the OptimizerScalars tensor, so a captured step replays with current values.
//   advanceStep: STEP += 1, then LR = lr_table[min(STEP, S) - 1].
//   adamw: g = grad * CLIP_SCALE; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//          p -= lr (m / (1-b1^t) / (sqrt(v / (1-b2^t)) + eps) + wd p); nothing is written while NON_FINITE is set.
#include "cuda_sim.h"

// The slots of the optimizer's scalar tensor, float32 [8]: see OptimizerScalars.java.
#define OPT_LR 0
#define OPT_STEP 1
#define OPT_CLIP_SCALE 2
#define OPT_NON_FINITE 3

// One thread (grid 1, block 1).
extern "C" __global__ void advance_step(float* scalars,         // [8], OptimizerScalars
                                        const float* lr_table,  // [S]
                                        long long S) {
    if (blockIdx.x != 0 || threadIdx.x != 0) {
        return;
    }
    const float step = scalars[OPT_STEP] + 1.0f;
    scalars[OPT_STEP] = step;
    const long long i = ((long long)step < S ? (long long)step : S) - 1;
    scalars[OPT_LR] = lr_table[i];
}
SIM_REGISTER(advance_step);

// Grid-stride over the n elements: any grid, block (any size). Every thread reads the scalars itself (8 floats,
// in cache), so that no barrier is needed; the bias corrections are taken in double, as 1 - b2^t for b2 near 1
// loses most of a float's digits.
extern "C" __global__ void adamw_update(float* param,          // [n], updated in place
                                        const float* grad,     // [n]
                                        float* m,              // [n], updated in place
                                        float* v,              // [n], updated in place
                                        const float* scalars,  // [8], OptimizerScalars
                                        long long n, float beta1, float beta2, float eps, float weight_decay) {
    if (scalars[OPT_NON_FINITE] != 0.0f) {
        return;
    }
    const int step = (int)scalars[OPT_STEP];
    const float lr = scalars[OPT_LR], clip = scalars[OPT_CLIP_SCALE];
    const float c1 = (float)(1.0 / (1.0 - pow((double)beta1, (double)step)));
    const float c2 = (float)(1.0 / (1.0 - pow((double)beta2, (double)step)));
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float g = grad[i] * clip;
        const float mi = beta1 * m[i] + (1.0f - beta1) * g;
        const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        const float p = param[i];
        param[i] = p - lr * (mi * c1 / (sqrtf(vi * c2) + eps) + weight_decay * p);
        m[i] = mi;
        v[i] = vi;
    }
}
SIM_REGISTER(adamw_update);
