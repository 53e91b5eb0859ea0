// rope.cu: rotary position embedding in place, HF "rotate_half" layout (Backend.rope, Backend.ropeBackward).
//   x [B*T, H, D], row r at position t = r mod T; for i < D/2 the pair (x1, x2) = (x[i], x[i + D/2]) becomes
//   forward:  (x1 c - x2 s, x2 c + x1 s),  c = cos[t, i], s = sin[t, i]
//   backward: the same with s -> -s (a rotation by the negative angle: the transpose)
// One thread per pair: each element is read and written by exactly one thread, so in place is safe.
#include "cuda_sim.h"
#include "common.cuh"

// Pairs p = 0 .. rows * H * D/2 - 1 by grid stride; sign 1 rotates forward, -1 back.
__device__ __forceinline__ void rope_rotate(float* x,            // [rows, H, D], in place
                                            const float* cos_t,  // [>= T, D/2]
                                            const float* sin_t,  // [>= T, D/2]
                                            long long pairs, int H, int D, int T, float sign) {
    const int half = D / 2;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x; p < pairs; p += stride) {
        const int i = (int)(p % half);
        const long long rowHead = p / half;       // row * H + head
        const int t = (int)((rowHead / H) % T);  // the row's position in its sequence
        const float c = cos_t[(size_t)t * half + i], s = sign * sin_t[(size_t)t * half + i];
        float* v = x + (size_t)rowHead * D + i;
        const float x1 = v[0], x2 = v[half];
        v[0] = x1 * c - x2 * s;
        v[half] = x2 * c + x1 * s;
    }
}

extern "C" __global__ void rope_forward(float* x,            // [rows, H, D], in place
                                        const float* cos_t,  // [>= T, D/2]
                                        const float* sin_t,  // [>= T, D/2]
                                        long long pairs, int H, int D, int T) {
    rope_rotate(x, cos_t, sin_t, pairs, H, D, T, 1.0f);
}
SIM_REGISTER(rope_forward);

extern "C" __global__ void rope_backward(float* dx,           // [rows, H, D], in place
                                         const float* cos_t,  // [>= T, D/2]
                                         const float* sin_t,  // [>= T, D/2]
                                         long long pairs, int H, int D, int T) {
    rope_rotate(dx, cos_t, sin_t, pairs, H, D, T, -1.0f);
}
SIM_REGISTER(rope_backward);
