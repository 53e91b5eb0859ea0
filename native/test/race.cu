// race.cu (test only): kernels that exercise the simulator. First the same shift through shared memory with
// and without the __syncthreads between the
// writes and the reads. Without it the result depends on which threads run first: in forward order each thread
// finds its left neighbour's value already written (correct by luck); reversed or shuffled, it reads a slot
// nobody has written yet (NaN from SIM_DYNAMIC_SHARED). RaceDetectionTest relies on exactly that.
#include "cuda_sim.h"

// out[i] = in[i - 1] within each block, out[first of block] = in[first of block]. Dynamic shared: blockDim.x floats.
extern "C" __global__ void test_rotate_with_sync(float* out,       // [gridDim.x * blockDim.x]
                                                 const float* in) {  // [gridDim.x * blockDim.x]
    SIM_DYNAMIC_SHARED(float, buf);
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    buf[threadIdx.x] = in[i];
    __syncthreads();
    out[i] = buf[threadIdx.x > 0 ? threadIdx.x - 1 : 0];
}
SIM_REGISTER(test_rotate_with_sync);

extern "C" __global__ void test_rotate_missing_sync(float* out,         // [gridDim.x * blockDim.x]
                                                    const float* in) {  // [gridDim.x * blockDim.x]
    SIM_DYNAMIC_SHARED(float, buf);
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    buf[threadIdx.x] = in[i];
    // the bug under test: no __syncthreads() here
    out[i] = buf[threadIdx.x > 0 ? threadIdx.x - 1 : 0];
}
SIM_REGISTER(test_rotate_missing_sync);

// The warp shuffles' semantics, lane by lane: out [4, blockDim.x] gets, per thread t with lane l = t % 32,
// xor 5 (width 32), down 3 (width 32: the last 3 lanes keep their own), xor 4 within width 8, and up 2 within
// width 16 (the first 2 lanes of each 16 keep their own), all of the value in[t].
extern "C" __global__ void test_shuffles(float* out,         // [4, blockDim.x]
                                         const float* in) {  // [blockDim.x]
    const int t = threadIdx.x, n = blockDim.x;
    const float v = in[t];
    out[t] = __shfl_xor_sync(0xffffffffu, v, 5);
    out[n + t] = __shfl_down_sync(0xffffffffu, v, 3);
    out[2 * n + t] = __shfl_xor_sync(0xffffffffu, v, 4, 8);
    out[3 * n + t] = __shfl_up_sync(0xffffffffu, v, 2, 16);
}
SIM_REGISTER(test_shuffles);
