// attention.cu: causal grouped-query attention, FlashAttention style, forward and backward (Backend.attention,
// Backend.attentionBackward) and the same forward against a KV cache (Backend.cachedAttention).
//   s_ij = scale q_i . k_j for keys j <= position + i (position = 0 except for the cache), P = softmax_j(s),
//   out_i = sum_j P_ij v_j, lse_i = max_j s_ij + log sum_j exp(s_ij - max); query head h reads KV head
//   h / (H / KV).
//   backward (FlashAttention-2): P_ij = exp(s_ij - lse_i), dP_ij = dout_i . v_j, delta_i = dout_i . out_i,
//   dS_ij = P_ij (dP_ij - delta_i); dv_j = sum_i P_ij dout_i, dk_j = scale sum_i dS_ij q_i,
//   dq_i = scale sum_j dS_ij k_j.
// No T x T buffer exists in global memory: a block holds one tile x tile block of scores in shared memory.
// Every kernel uses square tiles of `tile` rows (chosen by the caller so that shared memory fits: 8, 16 or 32)
// whose rows in shared memory are padded by one float (D + 1, tile + 1): the 8 rows a warp reads at one column
// then fall in different banks. 4 threads per tile row, blockDim.x = 4 tile; thread (row = tid / 4,
// sub = tid % 4) owns the columns sub, sub + 4, ... of its row (key columns of the score tile, feature columns of the D-wide tiles).
// Deterministic without atomics: each output element is summed by one thread in a fixed order. dk and dv of a
// KV head shared by several query heads are summed in one block, heads ascending then query tiles ascending;
// dq is a separate kernel, one block per query tile, key tiles ascending.
// Tiles past the sequence are zero filled, never left as they were: a padded row multiplies a zero.
#include "cuda_sim.h"
#include "common.cuh"

#define ATT_TPR 4  // threads per tile row

// The dot product of two D-float rows of shared memory.
__device__ __forceinline__ float att_dot(const float* x, const float* y, int D) {
    float s = 0.0f;
    for (int c = 0; c < D; c++) {
        s = fmaf(x[c], y[c], s);
    }
    return s;
}

// Copies rows first .. first + tile - 1 of one head of a [B, rows, heads, D] tensor into dst [tile, D + 1]
// (the padding column is not written); rows at or past `limit` become 0. All threads of the block take part.
__device__ __forceinline__ void att_load_tile(float* dst, const float* src, int b, int first, int limit, int rows,
                                              int heads, int head, int D, int tile) {
    for (int e = threadIdx.x; e < tile * D; e += blockDim.x) {
        const int r = e / D, c = e % D, t = first + r;
        dst[r * (D + 1) + c] = t < limit ? src[(((size_t)b * rows + t) * heads + head) * D + c] : 0.0f;
    }
}

// Grid (B * H * ceil(T / tile)), block (4 tile), tile 8, 16 or 32 (the row statistics are combined by
// shuffles within the 4 lanes of a row, so blockDim.x is a multiple of 32).
// Dynamic shared memory: (4 tile (D + 1) + tile (tile + 1)) floats. Queries are positions position .. position + T - 1 and
// read the keys 0 .. position + i; k and v hold S >= position + T rows per batch element, rows past
// position + T are never read. lse may be null (the cache has no backward).
extern "C" __global__ void attention_forward(float* out,        // [B, T, H, D]
                                             float* lse,        // [B, H, T] or null
                                             const float* q,    // [B, T, H, D]
                                             const float* k,    // [B, S, KV, D]
                                             const float* v,    // [B, S, KV, D]
                                             int T, int S, int H, int KV, int D, int position, int tile,
                                             float scale) {
    SIM_DYNAMIC_SHARED(float, smem);
    const int ld = D + 1, lp = tile + 1;  // padded row strides of the [., D] and [., tile] tiles
    float* Qs = smem;              // [tile, D]
    float* Ks = Qs + tile * ld;     // [tile, D]
    float* Vs = Ks + tile * ld;     // [tile, D]
    float* Os = Vs + tile * ld;     // [tile, D], unnormalised output rows
    float* Ps = Os + tile * ld;     // [tile, tile], scores then probabilities
    const int qTiles = (T + tile - 1) / tile;
    // The longest (last) query tiles are launched first so that a GPU's tail is made of short blocks.
    const int qt = qTiles - 1 - (int)(blockIdx.x % qTiles);
    const int h = (int)(blockIdx.x / qTiles) % H, b = (int)(blockIdx.x / qTiles) / H;
    const int g = h / (H / KV);
    const int row = threadIdx.x / ATT_TPR, sub = threadIdx.x % ATT_TPR;
    const int i = qt * tile + row;  // this thread's query row
    const bool valid = i < T;
    const int keys = position + T;

    att_load_tile(Qs, q, b, qt * tile, T, T, H, h, D, tile);
    for (int c = sub; c < D; c += ATT_TPR) {
        Os[row * ld + c] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;  // running max and sum of exp(s - m) of this row
    const int lastRow = qt * tile + tile - 1 < T ? qt * tile + tile - 1 : T - 1;
    const int lastKey = position + lastRow;
    for (int kt = 0; kt <= lastKey / tile; kt++) {
        att_load_tile(Ks, k, b, kt * tile, keys, S, KV, g, D, tile);
        att_load_tile(Vs, v, b, kt * tile, keys, S, KV, g, D, tile);
        __syncthreads();
        float tileMax = -INFINITY;
        for (int jj = sub; jj < tile; jj += ATT_TPR) {
            const int j = kt * tile + jj;
            float s = -INFINITY;
            if (valid && j <= position + i) {
                s = scale * att_dot(Qs + row * ld, Ks + jj * ld, D);
            }
            Ps[row * lp + jj] = s;
            tileMax = fmaxf(tileMax, s);
        }
        tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 1));
        tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 2));
        const float mNew = fmaxf(m, tileMax);
        // A row with no key so far (padding rows, or a tile wholly in its future) keeps m = -inf and adds nothing.
        const float rescale = mNew == -INFINITY ? 1.0f : expf(m - mNew);
        float tileSum = 0.0f;
        for (int jj = sub; jj < tile; jj += ATT_TPR) {
            const float s = Ps[row * lp + jj];
            const float p = s == -INFINITY ? 0.0f : expf(s - mNew);
            Ps[row * lp + jj] = p;
            tileSum += p;
        }
        tileSum += __shfl_xor_sync(0xffffffffu, tileSum, 1);
        tileSum += __shfl_xor_sync(0xffffffffu, tileSum, 2);
        l = l * rescale + tileSum;
        m = mNew;
        __syncthreads();  // the row's probabilities, written by its 4 threads, are read by all 4
        for (int c = sub; c < D; c += ATT_TPR) {
            float o = Os[row * ld + c] * rescale;
            for (int jj = 0; jj < tile; jj++) {
                o = fmaf(Ps[row * lp + jj], Vs[jj * ld + c], o);
            }
            Os[row * ld + c] = o;
        }
        __syncthreads();  // K, V and P are read before the next tile overwrites them
    }
    if (valid) {
        const float inv = 1.0f / l;
        float* outRow = out + (((size_t)b * T + i) * H + h) * D;
        for (int c = sub; c < D; c += ATT_TPR) {
            outRow[c] = Os[row * ld + c] * inv;
        }
        if (lse != nullptr && sub == 0) {
            lse[((size_t)b * H + h) * T + i] = m + logf(l);
        }
    }
}
SIM_REGISTER(attention_forward);

// delta[b, h, t] = dout . out over the row's D features. One thread per row: grid (ceil(B T H / blockDim.x)).
extern "C" __global__ void attention_backward_delta(float* delta,       // [B, H, T]
                                                    const float* dout,  // [B, T, H, D]
                                                    const float* out,   // [B, T, H, D]
                                                    int B, int T, int H, int D) {
    const long long r = (long long)blockIdx.x * blockDim.x + threadIdx.x;  // row of [B, T, H]
    if (r >= (long long)B * T * H) {
        return;
    }
    const int h = (int)(r % H), t = (int)((r / H) % T), b = (int)(r / ((long long)H * T));
    const float* d = dout + r * D;
    const float* o = out + r * D;
    float s = 0.0f;
    for (int c = 0; c < D; c++) {
        s = fmaf(d[c], o[c], s);
    }
    delta[((size_t)b * H + h) * T + t] = s;
}
SIM_REGISTER(attention_backward_delta);

// dk, dv (overwritten). Grid (B * KV * ceil(T / tile)), block (4 tile): a block owns one key tile of one KV head
// and loops over the query heads that read it and, per head, over the query tiles at or after the key tile.
// Dynamic shared memory: (6 tile (D + 1) + 2 tile (tile + 1) + 2 tile) floats.
extern "C" __global__ void attention_backward_dkdv(float* dk,          // [B, T, KV, D]
                                                   float* dv,          // [B, T, KV, D]
                                                   const float* dout,  // [B, T, H, D]
                                                   const float* q,     // [B, T, H, D]
                                                   const float* k,     // [B, T, KV, D]
                                                   const float* v,     // [B, T, KV, D]
                                                   const float* lse,   // [B, H, T]
                                                   const float* delta, // [B, H, T]
                                                   int T, int H, int KV, int D, int tile, float scale) {
    SIM_DYNAMIC_SHARED(float, smem);
    const int ld = D + 1, lp = tile + 1;  // padded row strides of the [., D] and [., tile] tiles
    float* Ks = smem;               // [tile, D]
    float* Vs = Ks + tile * ld;      // [tile, D]
    float* Qs = Vs + tile * ld;      // [tile, D]
    float* dOs = Qs + tile * ld;     // [tile, D]
    float* dKs = dOs + tile * ld;    // [tile, D], sum of dS q (scaled at the end)
    float* dVs = dKs + tile * ld;    // [tile, D], sum of P dout
    float* Ps = dVs + tile * ld;     // [tile queries, tile keys]
    float* dSs = Ps + tile * lp;  // [tile queries, tile keys]
    float* lseS = dSs + tile * lp;  // [tile]
    float* deltaS = lseS + tile;      // [tile]
    const int tiles = (T + tile - 1) / tile;
    const int kt = tiles - 1 - (int)(blockIdx.x % tiles);
    const int g = (int)(blockIdx.x / tiles) % KV, b = (int)(blockIdx.x / tiles) / KV;
    const int group = H / KV;
    const int row = threadIdx.x / ATT_TPR, sub = threadIdx.x % ATT_TPR;
    const int j = kt * tile + row;  // this thread's key row

    att_load_tile(Ks, k, b, kt * tile, T, T, KV, g, D, tile);
    att_load_tile(Vs, v, b, kt * tile, T, T, KV, g, D, tile);
    for (int c = sub; c < D; c += ATT_TPR) {
        dKs[row * ld + c] = 0.0f;
        dVs[row * ld + c] = 0.0f;
    }
    for (int h = g * group; h < (g + 1) * group; h++) {
        for (int qt = kt; qt < tiles; qt++) {  // query tiles before the key tile see none of its keys
            att_load_tile(Qs, q, b, qt * tile, T, T, H, h, D, tile);
            att_load_tile(dOs, dout, b, qt * tile, T, T, H, h, D, tile);
            for (int r = threadIdx.x; r < tile; r += blockDim.x) {
                const int i = qt * tile + r;
                lseS[r] = i < T ? lse[((size_t)b * H + h) * T + i] : 0.0f;
                deltaS[r] = i < T ? delta[((size_t)b * H + h) * T + i] : 0.0f;
            }
            __syncthreads();
            for (int ii = sub; ii < tile; ii += ATT_TPR) {
                const int i = qt * tile + ii;
                float p = 0.0f, ds = 0.0f;
                if (i < T && j <= i) {
                    p = expf(scale * att_dot(Qs + ii * ld, Ks + row * ld, D) - lseS[ii]);
                    ds = p * (att_dot(dOs + ii * ld, Vs + row * ld, D) - deltaS[ii]);
                }
                Ps[ii * lp + row] = p;
                dSs[ii * lp + row] = ds;
            }
            __syncthreads();  // the key row's column of P and dS, written by its 4 threads, is read by all 4
            for (int c = sub; c < D; c += ATT_TPR) {
                float accK = dKs[row * ld + c], accV = dVs[row * ld + c];
                for (int ii = 0; ii < tile; ii++) {
                    accV = fmaf(Ps[ii * lp + row], dOs[ii * ld + c], accV);
                    accK = fmaf(dSs[ii * lp + row], Qs[ii * ld + c], accK);
                }
                dKs[row * ld + c] = accK;
                dVs[row * ld + c] = accV;
            }
            __syncthreads();  // Q, dout, P and dS are read before the next query tile overwrites them
        }
    }
    if (j < T) {
        const size_t at = (((size_t)b * T + j) * KV + g) * D;
        for (int c = sub; c < D; c += ATT_TPR) {
            dk[at + c] = scale * dKs[row * ld + c];
            dv[at + c] = dVs[row * ld + c];
        }
    }
}
SIM_REGISTER(attention_backward_dkdv);

// dq (overwritten). Grid (B * H * ceil(T / tile)), block (4 tile): a block owns one query tile of one head and
// loops over the key tiles up to its own. Dynamic shared memory: (5 tile (D + 1) + tile (tile + 1)) floats.
extern "C" __global__ void attention_backward_dq(float* dq,           // [B, T, H, D]
                                                 const float* dout,   // [B, T, H, D]
                                                 const float* q,      // [B, T, H, D]
                                                 const float* k,      // [B, T, KV, D]
                                                 const float* v,      // [B, T, KV, D]
                                                 const float* lse,    // [B, H, T]
                                                 const float* delta,  // [B, H, T]
                                                 int T, int H, int KV, int D, int tile, float scale) {
    SIM_DYNAMIC_SHARED(float, smem);
    const int ld = D + 1, lp = tile + 1;  // padded row strides of the [., D] and [., tile] tiles
    float* Qs = smem;             // [tile, D]
    float* dOs = Qs + tile * ld;   // [tile, D]
    float* Ks = dOs + tile * ld;   // [tile, D]
    float* Vs = Ks + tile * ld;    // [tile, D]
    float* dQs = Vs + tile * ld;   // [tile, D], sum of dS k (scaled at the end)
    float* dSs = dQs + tile * ld;  // [tile queries, tile keys]
    const int tiles = (T + tile - 1) / tile;
    const int qt = tiles - 1 - (int)(blockIdx.x % tiles);
    const int h = (int)(blockIdx.x / tiles) % H, b = (int)(blockIdx.x / tiles) / H;
    const int g = h / (H / KV);
    const int row = threadIdx.x / ATT_TPR, sub = threadIdx.x % ATT_TPR;
    const int i = qt * tile + row;  // this thread's query row
    const bool valid = i < T;
    const float lseI = valid ? lse[((size_t)b * H + h) * T + i] : 0.0f;
    const float deltaI = valid ? delta[((size_t)b * H + h) * T + i] : 0.0f;

    att_load_tile(Qs, q, b, qt * tile, T, T, H, h, D, tile);
    att_load_tile(dOs, dout, b, qt * tile, T, T, H, h, D, tile);
    for (int c = sub; c < D; c += ATT_TPR) {
        dQs[row * ld + c] = 0.0f;
    }
    for (int kt = 0; kt <= qt; kt++) {
        att_load_tile(Ks, k, b, kt * tile, T, T, KV, g, D, tile);
        att_load_tile(Vs, v, b, kt * tile, T, T, KV, g, D, tile);
        __syncthreads();
        for (int jj = sub; jj < tile; jj += ATT_TPR) {
            const int j = kt * tile + jj;
            float ds = 0.0f;
            if (valid && j <= i) {
                const float p = expf(scale * att_dot(Qs + row * ld, Ks + jj * ld, D) - lseI);
                ds = p * (att_dot(dOs + row * ld, Vs + jj * ld, D) - deltaI);
            }
            dSs[row * lp + jj] = ds;
        }
        __syncthreads();  // the row of dS, written by its 4 threads, is read by all 4
        for (int c = sub; c < D; c += ATT_TPR) {
            float acc = dQs[row * ld + c];
            for (int jj = 0; jj < tile; jj++) {
                acc = fmaf(dSs[row * lp + jj], Ks[jj * ld + c], acc);
            }
            dQs[row * ld + c] = acc;
        }
        __syncthreads();  // K, V and dS are read before the next key tile overwrites them
    }
    if (valid) {
        float* dqRow = dq + (((size_t)b * T + i) * H + h) * D;
        for (int c = sub; c < D; c += ATT_TPR) {
            dqRow[c] = scale * dQs[row * ld + c];
        }
    }
}
SIM_REGISTER(attention_backward_dq);
