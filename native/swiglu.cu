// swiglu.cu: the SwiGLU gate, elementwise (Backend.swiglu, Backend.swigluBackward).
//   forward:  out = silu(g) u, silu(g) = g sigmoid(g), sigmoid(g) = 1 / (1 + exp(-g))
//   backward: dgate = dout u sigmoid(g) (1 + g (1 - sigmoid(g))), dup = dout silu(g)  (both overwritten)
// The formulas are the CPU backend's. At g = -100, exp(100) overflows to +inf and sigmoid becomes exactly 0 (no
// NaN: 1 / inf = 0, and 0 times a finite g is 0); at g = +100 exp(-100) is a tiny normal and sigmoid is 1.
#include "cuda_sim.h"
#include "common.cuh"

__device__ __forceinline__ float sigmoid(float g) {
    return 1.0f / (1.0f + expf(-g));
}

// Elements by grid stride; each read and written by one thread.
extern "C" __global__ void swiglu_forward(float* out,         // [N, F]
                                          const float* gate,  // [N, F]
                                          const float* up,    // [N, F]
                                          long long n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float g = gate[i];
        out[i] = g * sigmoid(g) * up[i];
    }
}
SIM_REGISTER(swiglu_forward);

extern "C" __global__ void swiglu_backward(float* dgate,       // [N, F], overwritten
                                           float* dup,         // [N, F], overwritten
                                           const float* dout,  // [N, F]
                                           const float* gate,  // [N, F]
                                           const float* up,    // [N, F]
                                           long long n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float g = gate[i], s = sigmoid(g), d = dout[i], u = up[i];
        dgate[i] = d * u * s * (1.0f + g * (1.0f - s));
        dup[i] = d * g * s;
    }
}
SIM_REGISTER(swiglu_backward);
