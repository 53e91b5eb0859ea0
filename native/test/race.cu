// race.cu (test only): the same shift through shared memory with and without the __syncthreads between the
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
