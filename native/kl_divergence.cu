// kl_divergence.cu: the fused knowledge-distillation loss (Backend.klDivergence), loss and student gradient.
//   p = softmax(teacher / T), q = softmax(student / T); forward KL(p || q), reverse KL(q || p);
//   losses[n] = T^2 KL for rows the mask selects, 0 for the others;
//   dstudent = grad_scale T (q - p) (forward) or grad_scale T q ((log q - log p) - KL) (reverse), 0 if not selected.
// One block per row, the vocabulary chunked by thread stride (thread t owns columns t, t + blockDim.x, ...):
//   pass 1 reads both rows once for the online softmax statistics (max and Z = sum exp((x - max) / T)) of each;
//   pass 2 reads them again for the weighted log ratio A = sum e_w ((w - max_w) - (o - max_o)) (w the weighting
//          row: teacher forward, student reverse), so that KL(w || o) = A / (T Z_w) + log Z_o - log Z_w, and, in
//          the forward direction, writes the gradient in the same pass (it needs only the maxima and the Zs);
//   pass 3 (reverse only) writes the gradient, which needs the finished KL.
// Each row is shifted by its own maximum before two rows are subtracted, so a large common offset cancels exactly
// (the CPU backend computes the same terms). Teacher == student gives exactly 0: both rows take the same path.
// The loss sum is loss_sum_rows (loss_sum.cu) over the per-row losses, in a fixed order.
#include "cuda_sim.h"
#include "common.cuh"

// One more value v in the running statistics (m, z): z * exp(m / T) = sum exp(x / T) over the values seen.
__device__ __forceinline__ void kl_online_add(float& m, float& z, float v, float inv_t) {
    if (v > m) {  // a new maximum rescales the sum so far (0 while m is still -INFINITY)
        z = z * expf((m - v) * inv_t) + 1.0f;
        m = v;
    } else {
        z += expf((v - m) * inv_t);
    }
}

// Merging (m2, z2) into (m, z), both at temperature 1 / inv_t; an empty side has m = -INFINITY and z = 0.
__device__ __forceinline__ void kl_merge(float& m, float& z, float m2, float z2, float inv_t) {
    if (m2 == -INFINITY) {
        return;
    }
    if (m == -INFINITY) {
        m = m2;
        z = z2;
        return;
    }
    const float mm = fmaxf(m, m2);
    z = z * expf((m - mm) * inv_t) + z2 * expf((m2 - mm) * inv_t);
    m = mm;
}

// The block's statistics from every thread's (m, z), in every thread. scratch: __shared__ float [64] of the caller.
__device__ __forceinline__ void kl_block_stats(float& m, float& z, float inv_t, float* scratch) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, offset);
        const float z2 = __shfl_xor_sync(0xffffffffu, z, offset);
        kl_merge(m, z, m2, z2, inv_t);
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    __syncthreads();  // a previous call may still be reading scratch
    if (lane == 0) {
        scratch[warp] = m;
        scratch[32 + warp] = z;
    }
    __syncthreads();
    m = lane < warps ? scratch[lane] : -INFINITY;
    z = lane < warps ? scratch[32 + lane] : 0.0f;
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, offset);
        const float z2 = __shfl_xor_sync(0xffffffffu, z, offset);
        kl_merge(m, z, m2, z2, inv_t);
    }
}

// Grid (N), block (multiple of 32). dstudent may be null (loss only) or alias student: every element is read and
// then written by the one thread that owns its column. mask_kind: 0 no mask (mask null), 1 int32, 2 float32 (the
// mask's bits are read as int and reinterpreted, so -0.0f counts as 0 as on the host).
extern "C" __global__ void kl_divergence_forward_backward(float* losses,          // [N]
                                                          float* dstudent,        // [N, V] or null
                                                          const float* student,   // [N, V]
                                                          const float* teacher,   // [N, V]
                                                          const int* mask,        // [N] or null
                                                          int mask_kind, int V, float temperature, float inv_t,
                                                          int reverse, float grad_scale) {
    __shared__ float stats_scratch[64];
    __shared__ float sum_scratch[32];
    const int row = blockIdx.x;
    const float* sr = student + (size_t)row * V;
    const float* tr = teacher + (size_t)row * V;
    float* dr = dstudent == nullptr ? nullptr : dstudent + (size_t)row * V;
    bool selected = true;
    if (mask != nullptr) {
        const int bits = mask[row];
        selected = mask_kind == 2 ? __int_as_float(bits) != 0.0f : bits != 0;
    }
    if (!selected) {  // the same branch for the whole block
        if (threadIdx.x == 0) {
            losses[row] = 0.0f;
        }
        if (dr != nullptr) {
            for (int j = threadIdx.x; j < V; j += blockDim.x) {
                dr[j] = 0.0f;
            }
        }
        return;
    }

    // Pass 1: max and Z of both rows.
    float ms = -INFINITY, zs = 0.0f, mt = -INFINITY, zt = 0.0f;
    for (int j = threadIdx.x; j < V; j += blockDim.x) {
        kl_online_add(ms, zs, sr[j], inv_t);
        kl_online_add(mt, zt, tr[j], inv_t);
    }
    kl_block_stats(ms, zs, inv_t, stats_scratch);
    kl_block_stats(mt, zt, inv_t, stats_scratch);

    // Pass 2: the weighted log ratio; the forward gradient T (q - p).
    const float ts_scale = (float)((double)(temperature * grad_scale) / zs);  // gradScale T / Z_s
    const float tt_scale = (float)((double)(temperature * grad_scale) / zt);  // gradScale T / Z_t
    const float mw = reverse ? ms : mt, mo = reverse ? mt : ms;
    const float* wr = reverse ? sr : tr;
    const float* orow = reverse ? tr : sr;
    float a = 0.0f;
    for (int j = threadIdx.x; j < V; j += blockDim.x) {
        const float ws = wr[j] - mw;
        const float ew = expf(ws * inv_t);
        a += ew * (ws - (orow[j] - mo));
        if (!reverse && dr != nullptr) {  // here ew is the teacher's term
            const float es = expf((sr[j] - ms) * inv_t);
            dr[j] = ts_scale * es - tt_scale * ew;
        }
    }
    a = block_sum(a, sum_scratch);
    const double log_zs = log((double)zs), log_zt = log((double)zt);
    const double kl = reverse ? (double)a * inv_t / zs + log_zt - log_zs : (double)a * inv_t / zt + log_zs - log_zt;
    if (threadIdx.x == 0) {
        losses[row] = (float)((double)(temperature * temperature) * kl);
    }

    // Pass 3 (reverse): T q ((log q - log p) - KL), log q - log p = ((s - ms) - (t - mt)) / T + log Z_t - log Z_s.
    if (reverse && dr != nullptr) {
        const float k = (float)(log_zt - log_zs - kl);
        for (int j = threadIdx.x; j < V; j += blockDim.x) {
            const float ss = sr[j] - ms;
            const float ratio = (ss - (tr[j] - mt)) * inv_t + k;
            dr[j] = expf(ss * inv_t) * ts_scale * ratio;
        }
    }
}
SIM_REGISTER(kl_divergence_forward_backward);
