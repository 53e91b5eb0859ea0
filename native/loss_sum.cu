// loss_sum.cu: lossSum [1] += sum of the per-row losses, for the fused losses that keep their total on the device
// (Backend.klDivergence, Backend.mseLoss, Backend.cosineLoss). The sum is taken in double, as the CPU backend's,
// in an order fixed by blockDim alone, and rounded once when it is added to the float accumulator.
#include "cuda_sim.h"
#include "sum_double.cuh"

// One block (multiple of 32 threads).
extern "C" __global__ void loss_sum_rows(float* loss_sum,      // [1], +=
                                         const float* losses,  // [N]
                                         int N) {
    __shared__ double scratch[32];
    double s = 0.0;
    for (int i = threadIdx.x; i < N; i += blockDim.x) {
        s += (double)losses[i];
    }
    s = block_sum_double(s, scratch);
    if (threadIdx.x == 0) {
        loss_sum[0] = (float)((double)loss_sum[0] + s);
    }
}
SIM_REGISTER(loss_sum_rows);
