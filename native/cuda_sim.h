// cuda_sim.h: the CUDA semantics the kernels of native/ rely on, for the host C++ compiler (the simulator,
// --device cuda-sim). Every .cu file includes it first. Under nvcc (__CUDACC__) it defines only the two
// portability macros below and the kernels compile as plain CUDA C.
//
// The model: a launch runs its blocks one after another on the calling OS thread; each CUDA thread of a block is
// a fiber with its own stack (a hand-written x86-64 stack switch in sim_runtime.cpp, no syscall per switch).
// __syncthreads and the warp shuffles yield until every live thread of the block (of the warp) has arrived, so
// shared memory and shuffles behave as on the GPU. The order in which fibers (and blocks) are run is a setting:
// forward, reversed or shuffled, so that a kernel that is correct only by the luck of one order shows it.
//
// Conventions for kernels that must run here (see README, "CUDA backend"):
//  - include "cuda_sim.h" first;
//  - dynamic shared memory only through SIM_DYNAMIC_SHARED(type, name): here an exact-size buffer filled with
//    NaN (0xFF bytes) at every block, so a read of a slot nobody wrote shows;
//  - `extern "C" __global__` kernels, registered with SIM_REGISTER(kernel) so that the runtime can launch them
//    by name (on a GPU: the unmangled PTX name given to cuModuleGetFunction);
//  - shuffles with the full mask (0xffffffff) over converged warps; no inline PTX, cooperative groups or
//    grid-wide sync; no -ffast-math.
#pragma once

#ifdef __CUDACC__

#define SIM_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#define SIM_REGISTER(kernel)

#else  // the simulator

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <type_traits>
#include <utility>

struct uint3 {
    unsigned int x, y, z;
};

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
// Block scope: thread_local implies static, so every fiber of the block (all on one OS thread) sees one copy,
// as threads of a block see one copy of a __shared__ variable. Launches on other OS threads get their own.
#define __shared__ thread_local
#define __constant__ const

constexpr int warpSize = 32;

// The running fiber's coordinates, set by the scheduler before it switches to a fiber.
inline thread_local uint3 threadIdx;
inline thread_local uint3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

namespace sim {

// Barrier over all live threads of the block.
void syncthreads();
// Barrier over all live threads of the calling thread's warp.
void warp_barrier();
// 32 exchange slots of the calling thread's warp (8 bytes each) and its lane.
uint64_t* warp_slots();
int lane_id();
int warp_live_lanes();
// This block's dynamic shared memory (NaN-filled; exactly the launch's shared bytes).
void* dynamic_shared();

// Kernel registry: a name, an invoker that unpacks cuLaunchKernel-style arguments (void** args, one pointer per
// argument), and a signature of one letter per argument (p pointer, i int/unsigned, l 64-bit int, f float).
using Erased = void (*)();
using Invoker = void (*)(Erased fn, void** args);
void register_kernel(const char* name, Erased fn, Invoker invoke, const char* signature);

template <class T> constexpr char arg_code() {
    if constexpr (std::is_pointer_v<T>) {
        return 'p';
    } else if constexpr (std::is_same_v<T, float>) {
        return 'f';
    } else if constexpr (std::is_integral_v<T> && sizeof(T) == 4) {
        return 'i';
    } else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
        return 'l';
    } else {
        static_assert(sizeof(T) == 0, "kernel arguments are pointers, float, 32- or 64-bit integers");
        return '?';
    }
}

template <class... A> struct Signature {
    static constexpr char text[sizeof...(A) + 1] = {arg_code<A>()..., '\0'};
};

template <class... A, std::size_t... I> void invoke_with(void (*fn)(A...), void** args, std::index_sequence<I...>) {
    fn(*static_cast<std::remove_cv_t<A>*>(args[I])...);
}

template <class... A> void invoke(Erased fn, void** args) {
    invoke_with(reinterpret_cast<void (*)(A...)>(fn), args, std::index_sequence_for<A...>{});
}

struct Registrar {
    template <class... A> Registrar(const char* name, void (*fn)(A...)) {
        register_kernel(name, reinterpret_cast<Erased>(fn), &invoke<A...>, Signature<A...>::text);
    }
};

template <class T> inline T shfl_exchange(T v, int src) {
    static_assert(sizeof(T) <= 8, "shuffles move at most 8 bytes");
    uint64_t* slots = warp_slots();
    int lane = lane_id();
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    slots[lane] = bits;
    warp_barrier();  // every lane has deposited its value
    T r = v;
    if (src >= 0 && src < warp_live_lanes()) {
        std::memcpy(&r, &slots[src], sizeof(T));
    }
    warp_barrier();  // every lane has read before the slots are reused
    return r;
}

}  // namespace sim

#define SIM_CONCAT2(a, b) a##b
#define SIM_CONCAT(a, b) SIM_CONCAT2(a, b)
#define SIM_REGISTER(kernel) static ::sim::Registrar SIM_CONCAT(sim_registrar_, kernel)(#kernel, &kernel)
#define SIM_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(::sim::dynamic_shared())

inline void __syncthreads() {
    sim::syncthreads();
}

inline void __syncwarp(unsigned = 0xffffffffu) {
    sim::warp_barrier();
}

inline void __threadfence() {}
inline void __threadfence_block() {}

// The warp shuffles. width must be a power of two <= 32; lanes read within their segment of `width` lanes, and
// an out-of-range source returns the caller's own value, as on the GPU. The mask is not checked: kernels here
// use the full mask over converged warps.
template <class T> inline T __shfl_sync(unsigned, T v, int srcLane, int width = warpSize) {
    int lane = sim::lane_id();
    return sim::shfl_exchange(v, (lane & ~(width - 1)) + (srcLane & (width - 1)));
}

template <class T> inline T __shfl_xor_sync(unsigned, T v, int laneMask, int width = warpSize) {
    int lane = sim::lane_id();
    int src = lane ^ laneMask;
    return sim::shfl_exchange(v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane);
}

template <class T> inline T __shfl_down_sync(unsigned, T v, unsigned delta, int width = warpSize) {
    int lane = sim::lane_id();
    int src = lane + static_cast<int>(delta);
    return sim::shfl_exchange(v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane);
}

template <class T> inline T __shfl_up_sync(unsigned, T v, unsigned delta, int width = warpSize) {
    int lane = sim::lane_id();
    int src = lane - static_cast<int>(delta);
    return sim::shfl_exchange(v, src >= (lane & ~(width - 1)) ? src : lane);
}

// Fibers never preempt one another, so a read-modify-write is atomic here.
template <class T> inline T atomicAdd(T* address, T val) {
    T old = *address;
    *address = old + val;
    return old;
}

template <class T> inline T atomicMax(T* address, T val) {
    T old = *address;
    *address = old < val ? val : old;
    return old;
}

inline float rsqrtf(float x) {
    return 1.0f / std::sqrt(x);
}

inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}

inline int __float_as_int(float f) {
    int i;
    std::memcpy(&i, &f, 4);
    return i;
}

inline float __ldg(const float* p) {
    return *p;
}

inline int __ldg(const int* p) {
    return *p;
}

#endif  // __CUDACC__
