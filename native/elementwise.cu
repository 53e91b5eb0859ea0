// elementwise.cu: the elementwise ops (Backend.cast, Backend.add, Backend.accumulate, Backend.scale).
//   cast:       dst = src converted between F32, BF16 and F16; narrowing rounds to nearest even, widening is
//               exact; a NaN stays a quiet NaN of the same sign (the bits are converted by hand, so that nvcc
//               and the simulator's g++ agree without cuda_bf16.h / cuda_fp16.h)
//   add:        out = a + b (out may alias a or b: each element is read before it is written, by one thread)
//   accumulate: dst += src
//   scale:      x *= s
// No backward kernels: the gradient of add is two accumulates, that of scale a scale, and cast converts weights
// outside the differentiated graph. Every kernel walks its elements by grid stride.
#include "cuda_sim.h"
#include "common.cuh"

// Storage dtype codes of cast_float_dtypes (CudaBackend passes them; see ElementwiseLaunch).
#define DTYPE_F32 0
#define DTYPE_BF16 1
#define DTYPE_F16 2

__device__ __forceinline__ float bits_as_float(unsigned int bits) {
    return __int_as_float((int)bits);
}

__device__ __forceinline__ unsigned int float_bits(float v) {
    return (unsigned int)__float_as_int(v);
}

// bf16 -> f32: the 16 bits are the high half of the float.
__device__ __forceinline__ float bf16_to_f32(unsigned short h) {
    return bits_as_float((unsigned int)h << 16);
}

// f32 -> bf16, round to nearest even on the dropped 16 bits (a carry may reach the exponent, up to infinity);
// a NaN keeps its sign and top payload bits and is made quiet, so that it cannot round into an infinity.
__device__ __forceinline__ unsigned short f32_to_bf16(float v) {
    const unsigned int x = float_bits(v);
    if ((x & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short)((x >> 16) | 0x40u);
    }
    return (unsigned short)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// f16 -> f32, exact: subnormal halves (m * 2^-24) become normal floats, infinities and NaN keep sign and payload.
__device__ __forceinline__ float f16_to_f32(unsigned short h) {
    const unsigned int sign = ((unsigned int)h & 0x8000u) << 16;
    const unsigned int e = ((unsigned int)h >> 10) & 0x1fu, m = (unsigned int)h & 0x3ffu;
    if (e == 0x1fu) {
        return bits_as_float(sign | 0x7f800000u | (m << 13));
    }
    if (e == 0u) {  // zero or subnormal: m < 2^10 and 2^-24 are exact floats, so is their product
        return bits_as_float(sign | float_bits((float)m * 5.9604644775390625e-8f));
    }
    return bits_as_float(sign | ((e + 112u) << 23) | (m << 13));  // rebias 127 - 15
}

// f32 -> f16, round to nearest even, with overflow to infinity (|v| >= 65520, halfway above the largest half
// 65504) and gradual underflow to subnormal halves (|v| <= 2^-25, half the smallest one, rounds to zero).
__device__ __forceinline__ unsigned short f32_to_f16(float v) {
    const unsigned int x = float_bits(v);
    const unsigned int sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) {  // NaN: quiet, top payload bits kept
        return (unsigned short)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    }
    if (ax >= 0x477ff000u) {  // 65520 and above, infinity included
        return (unsigned short)(sign | 0x7c00u);
    }
    if (ax >= 0x38800000u) {  // a normal half (>= 2^-14): rebias, then round away the low 13 bits
        const unsigned int r = ax - (112u << 23);
        return (unsigned short)(sign | ((r + 0xfffu + ((r >> 13) & 1u)) >> 13));
    }
    if (ax <= 0x33000000u) {  // <= 2^-25: zero
        return (unsigned short)sign;
    }
    // A subnormal half: the float's significand (implicit bit included) in units of 2^-24, shifted right by
    // 126 - exponent (14 to 24 here), rounded to nearest even; rounding up to 0x400 gives the smallest normal.
    const unsigned int m = (ax & 0x7fffffu) | 0x800000u;
    const unsigned int shift = 126u - (ax >> 23);
    unsigned int q = m >> shift;
    const unsigned int rest = m & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (q & 1u))) {
        q++;
    }
    return (unsigned short)(sign | q);
}

__device__ __forceinline__ float load_as_float(const void* src, int dtype, long long i) {
    if (dtype == DTYPE_F32) {
        return static_cast<const float*>(src)[i];
    }
    const unsigned short h = static_cast<const unsigned short*>(src)[i];
    return dtype == DTYPE_BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}

__device__ __forceinline__ void store_from_float(void* dst, int dtype, long long i, float v) {
    if (dtype == DTYPE_F32) {
        static_cast<float*>(dst)[i] = v;
    } else {
        static_cast<unsigned short*>(dst)[i] = dtype == DTYPE_BF16 ? f32_to_bf16(v) : f32_to_f16(v);
    }
}

// Different dtypes (the host copies equal ones). Every pair goes through float32, which holds bf16 and f16
// exactly, so bf16 <-> f16 rounds once, as a direct conversion would.
extern "C" __global__ void cast_float_dtypes(void* dst,        // [n] of dstType
                                             const void* src,  // [n] of srcType
                                             long long n, int dstType, int srcType) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        store_from_float(dst, dstType, i, load_as_float(src, srcType, i));
    }
}
SIM_REGISTER(cast_float_dtypes);

extern "C" __global__ void add_elementwise(float* out,      // [n], may alias a or b
                                           const float* a,  // [n]
                                           const float* b,  // [n]
                                           long long n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = a[i] + b[i];
    }
}
SIM_REGISTER(add_elementwise);

extern "C" __global__ void scale_elementwise(float* x,  // [n], in place
                                             long long n, float s) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        x[i] *= s;
    }
}
SIM_REGISTER(scale_elementwise);
