// grad_norm.cu: the global gradient norm and its clipping factor, kept on the device (Backend.sumSquares,
// Backend.clipScale), so that a training step makes no host round trip.
//   sumSquares: acc [1] += sum of x^2, accumulated in double: per-block partials (each thread's share of a
//               grid-stride loop, then a block sum), then one block adds the partials in block order.
//   clipScale:  GRAD_NORM = sqrt(SUM_SQUARES); CLIP_SCALE = max_norm / norm if max_norm > 0 and norm > max_norm,
//               else 1; NON_FINITE = STEP + 1 when the norm is NaN or infinite and NON_FINITE is still 0.
#include "cuda_sim.h"
#include "sum_double.cuh"

// The slots of the optimizer's scalar tensor, float32 [8]: see OptimizerScalars.java.
#define OPT_STEP 1
#define OPT_CLIP_SCALE 2
#define OPT_NON_FINITE 3
#define OPT_SUM_SQUARES 4
#define OPT_GRAD_NORM 5

// Grid (G), block (multiple of 32): partial[b] = sum of x[i]^2 over i = b * blockDim.x + t + k * G * blockDim.x.
extern "C" __global__ void sum_squares_partial(double* partial,  // [G], overwritten
                                               const float* x,    // [n]
                                               long long n) {
    __shared__ double scratch[32];
    const long long stride = (long long)gridDim.x * blockDim.x;
    double s = 0.0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const double v = (double)x[i];
        s += v * v;
    }
    s = block_sum_double(s, scratch);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = s;
    }
}
SIM_REGISTER(sum_squares_partial);

// One block (multiple of 32 threads): acc[0] += sum of the G partials, rounded to float once.
extern "C" __global__ void sum_squares_finish(float* acc,              // [1], +=
                                              const double* partial,  // [G]
                                              int G) {
    __shared__ double scratch[32];
    double s = 0.0;
    for (int b = threadIdx.x; b < G; b += blockDim.x) {
        s += partial[b];
    }
    s = block_sum_double(s, scratch);
    if (threadIdx.x == 0) {
        acc[0] = (float)((double)acc[0] + s);
    }
}
SIM_REGISTER(sum_squares_finish);

// One thread (grid 1, block 1).
extern "C" __global__ void clip_scale(float* scalars,  // [8], OptimizerScalars
                                      float max_norm) {
    if (blockIdx.x != 0 || threadIdx.x != 0) {
        return;
    }
    const double norm = sqrt((double)scalars[OPT_SUM_SQUARES]);
    scalars[OPT_GRAD_NORM] = (float)norm;
    scalars[OPT_CLIP_SCALE] = max_norm > 0.0f && norm > max_norm ? (float)(max_norm / norm) : 1.0f;
    const bool finite = norm < INFINITY;  // false for NaN and +infinity (a square root is never -infinity)
    if (!finite && scalars[OPT_NON_FINITE] == 0.0f) {
        scalars[OPT_NON_FINITE] = scalars[OPT_STEP] + 1.0f;
    }
}
SIM_REGISTER(clip_scale);
