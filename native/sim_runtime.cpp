// sim_runtime.cpp: the simulator's runtime: kernel registry, launch (blocks one after another, each CUDA thread a
// fiber), barriers, warp exchange slots, memory as host memory, and the C API that Java calls through FFM
// (dev.redengine.backend.cuda.SimDriver). Linux x86-64 only: the fiber switch below is x86-64 System V assembly.
#include "cuda_sim.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#if !defined(__x86_64__) || !defined(__linux__)
#error "the CUDA simulator's fiber switch is written for Linux x86-64"
#endif

// void sim_switch(void** save_sp, void* to_sp): saves the callee-saved registers, MXCSR and the x87 control word
// on the current stack, stores the stack pointer in *save_sp, and resumes the stack at to_sp (saved the same way).
extern "C" void sim_switch(void** save_sp, void* to_sp);
asm(R"(
    .text
    .globl sim_switch
    .hidden sim_switch
    .type sim_switch, @function
sim_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size sim_switch, .-sim_switch
    .section .note.GNU-stack,"",@progbits
    .text
)");

// ThreadSanitizer (tools/tsan-kernels.sh builds the kernels with -fsanitize=thread and this file, uninstrumented,
// with -DSIM_TSAN=1): each CUDA thread is a TSan fiber, switched to without synchronisation, so that TSan sees
// the threads of a block as concurrent; the happens-before edges are exactly CUDA's: a __syncthreads or warp
// barrier (release on arrival, acquire on leaving; one sync object per barrier generation parity, so that a fast
// thread's next arrival cannot leak into a slow thread's acquire), and block boundaries (the host's writes before
// a block, the block's writes after it). Blocks run one after another and static __shared__ variables keep their
// address, so blocks are ordered too: TSan sees races within a block, not between blocks.
#if SIM_TSAN
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);
}
namespace {
constexpr unsigned kTsanNoSync = 1;  // __tsan_switch_to_fiber_no_sync
void tsan_acquire(void* addr) { __tsan_acquire(addr); }
void tsan_release(void* addr) { __tsan_release(addr); }
}  // namespace
#else
namespace {
void tsan_acquire(void*) {}
void tsan_release(void*) {}
}  // namespace
#endif

namespace {

constexpr std::size_t kStackBytes = 64 * 1024;  // per fiber; a guard page below each catches an overflow
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxSharedBytes = 48 * 1024;  // CUDA's default dynamic + static limit without opt-in

struct Kernel {
    sim::Erased fn;
    sim::Invoker invoke;
    std::string signature;
};

std::map<std::string, Kernel>& registry() {
    static std::map<std::string, Kernel> kernels;
    return kernels;
}

struct Barrier {
    unsigned arrived = 0;
    unsigned live = 0;
    unsigned generation = 0;
    char sync[2] = {};  // TSan sync objects of even and odd generations (unused otherwise)
};

struct Fiber {
    void* sp = nullptr;
    uint3 idx{};
    unsigned linear = 0;
    bool done = false;
};

struct Launch {
    sim::Erased fn = nullptr;
    sim::Invoker invoke = nullptr;
    void** args = nullptr;
};

// Per OS thread, so that launches from different Java threads do not share state.
thread_local std::vector<void*> stacks;  // mmap'd, reused across launches
thread_local std::vector<Fiber> fibers;
thread_local std::vector<unsigned> order;
thread_local std::vector<Barrier> warp_barriers;
thread_local std::vector<uint64_t> slots;
thread_local std::vector<unsigned char> dyn_shared;
thread_local Barrier block_barrier;
thread_local Fiber* current = nullptr;
thread_local void* scheduler_sp = nullptr;
thread_local Launch launch;
thread_local uint64_t progress = 0;
thread_local std::string last_error;
// block boundaries for TSan: the scheduler releases block_start before a block, each fiber acquires it when it
// starts and releases block_done when it ends, and the scheduler acquires block_done after the block
thread_local char block_start_sync, block_done_sync;
#if SIM_TSAN
thread_local std::vector<void*> tsan_fibers;  // one per thread slot, reused across blocks and launches
thread_local void* tsan_scheduler = nullptr;
#endif

// Thread (and block) order of the current launch: 0 forward, 1 reversed, 2 shuffled by a generator seeded at
// each launch (the caller passes the seed, so a run reproduces).
thread_local int order_mode = 0;
thread_local std::mt19937_64 rng;

void to_scheduler(void** save_sp) {
#if SIM_TSAN
    __tsan_switch_to_fiber(tsan_scheduler, kTsanNoSync);
#endif
    sim_switch(save_sp, scheduler_sp);
}

void yield() {
    to_scheduler(&current->sp);
}

void arrive(Barrier& b) {
    progress++;
    unsigned gen = b.generation;
    tsan_release(&b.sync[gen & 1]);
    if (++b.arrived == b.live) {
        b.arrived = 0;
        b.generation++;
        tsan_acquire(&b.sync[gen & 1]);
        return;
    }
    while (b.generation == gen) {
        yield();
    }
    tsan_acquire(&b.sync[gen & 1]);
}

// A thread that exits no longer counts towards the barriers it could have joined.
void leave(Barrier& b) {
    progress++;
    b.live--;
    if (b.arrived > 0 && b.arrived == b.live) {
        b.arrived = 0;
        b.generation++;
    }
}

unsigned warp_of(const Fiber& f) {
    return f.linear / 32;
}

[[noreturn]] void fiber_main() {
    tsan_acquire(&block_start_sync);
    launch.invoke(launch.fn, launch.args);
    tsan_release(&block_done_sync);
    current->done = true;
    leave(warp_barriers[warp_of(*current)]);
    leave(block_barrier);
    void* ignored;
    to_scheduler(&ignored);
    std::abort();  // never resumed
}

void* stack_top(unsigned i) {
    while (stacks.size() <= i) {
        std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        void* p = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            return nullptr;
        }
        mprotect(p, page, PROT_NONE);  // guard page: a stack overflow faults instead of corrupting a neighbour
        stacks.push_back(static_cast<char*>(p) + page);
    }
    return static_cast<char*>(stacks[i]) + kStackBytes;
}

// A fresh stack that sim_switch "returns" into fiber_main with the System V alignment of a called function.
void* prepare(void* top) {
    auto* sp = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(top) & ~uintptr_t{15});
    *--sp = 0;                                              // fiber_main's (never used) return address
    *--sp = reinterpret_cast<uint64_t>(&fiber_main);        // where sim_switch's ret goes
    for (int r = 0; r < 6; r++) {
        *--sp = 0;                                          // rbp rbx r12 r13 r14 r15
    }
    *--sp = 0x1F80ull | (0x037Full << 32);                  // default MXCSR, x87 control word
    return sp;
}

std::mt19937_64& order_rng() {
    return rng;
}

void make_order(unsigned n) {
    order.resize(n);
    for (unsigned i = 0; i < n; i++) {
        order[i] = order_mode == 1 ? n - 1 - i : i;
    }
    if (order_mode == 2) {
        std::shuffle(order.begin(), order.end(), order_rng());
    }
}

bool run_block(const uint3& block, unsigned threads, unsigned shared_bytes) {
    blockIdx = block;
    dyn_shared.assign(shared_bytes, 0xFF);  // NaN floats, -1 ints: a slot read before it is written shows
    fibers.assign(threads, Fiber{});
    unsigned warps = (threads + 31) / 32;
    warp_barriers.assign(warps, Barrier{});
    slots.assign(static_cast<std::size_t>(warps) * 32, 0);
    block_barrier = Barrier{};
    block_barrier.live = threads;
    for (unsigned i = 0; i < threads; i++) {
        Fiber& f = fibers[i];
        f.linear = i;
        f.idx = uint3{i % blockDim.x, (i / blockDim.x) % blockDim.y, i / (blockDim.x * blockDim.y)};
        void* top = stack_top(i);
        if (top == nullptr) {
            last_error = "cannot map a fiber stack";
            return false;
        }
        f.sp = prepare(top);
        warp_barriers[i / 32].live++;
    }
    make_order(threads);
#if SIM_TSAN
    tsan_scheduler = __tsan_get_current_fiber();
    while (tsan_fibers.size() < threads) {
        tsan_fibers.push_back(__tsan_create_fiber(0));
    }
#endif
    tsan_release(&block_start_sync);
    unsigned live = threads;
    while (live > 0) {
        uint64_t before = progress;
        for (unsigned i : order) {
            Fiber& f = fibers[i];
            if (f.done) {
                continue;
            }
            current = &f;
            threadIdx = f.idx;
#if SIM_TSAN
            __tsan_switch_to_fiber(tsan_fibers[i], kTsanNoSync);
#endif
            sim_switch(&scheduler_sp, f.sp);
            if (f.done) {
                live--;
            }
        }
        if (live > 0 && progress == before) {
            last_error = "deadlock in block (" + std::to_string(block.x) + "," + std::to_string(block.y) + ","
                    + std::to_string(block.z) + "): " + std::to_string(live)
                    + " threads wait at a __syncthreads or shuffle that the others never reach";
            return false;
        }
    }
    current = nullptr;
    tsan_acquire(&block_done_sync);
    return true;
}

}  // namespace

namespace sim {

void register_kernel(const char* name, Erased fn, Invoker invoke, const char* signature) {
    registry()[name] = Kernel{fn, invoke, signature};
}

void syncthreads() {
    arrive(block_barrier);
}

void warp_barrier() {
    arrive(warp_barriers[warp_of(*current)]);
}

uint64_t* warp_slots() {
    return &slots[static_cast<std::size_t>(warp_of(*current)) * 32];
}

int lane_id() {
    return static_cast<int>(current->linear % 32);
}

int warp_live_lanes() {
    unsigned threads = static_cast<unsigned>(fibers.size());
    unsigned base = warp_of(*current) * 32;
    return static_cast<int>(std::min(32u, threads - base));
}

void* dynamic_shared() {
    return dyn_shared.data();
}

}  // namespace sim

extern "C" {

__attribute__((visibility("default"))) const char* sim_last_error() {
    return last_error.c_str();
}

// One letter per argument (see cuda_sim.h), or null for an unknown kernel.
__attribute__((visibility("default"))) const char* sim_kernel_signature(const char* name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second.signature.c_str();
}

// cuLaunchKernel's contract: args holds one pointer per kernel argument. order: 0 forward, 1 reversed,
// 2 shuffled with the seed. 0 on success, else see sim_last_error.
__attribute__((visibility("default"))) int sim_launch(const char* name, unsigned gx, unsigned gy, unsigned gz,
                                                        unsigned bx, unsigned by, unsigned bz, unsigned shared_bytes,
                                                        void** args, int order, uint64_t seed) {
    last_error.clear();
    if (order < 0 || order > 2) {
        last_error = "thread order " + std::to_string(order) + " is not 0 (forward), 1 (reversed) or 2 (shuffled)";
        return 6;
    }
    order_mode = order;
    rng.seed(seed);
    auto it = registry().find(name);
    if (it == registry().end()) {
        last_error = std::string("no kernel named ") + name + " in the simulator library";
        return 1;
    }
    if (current != nullptr) {
        last_error = "a launch from inside a kernel (dynamic parallelism) is not simulated";
        return 2;
    }
    unsigned long long threads = 1ull * bx * by * bz;
    if (threads == 0 || threads > kMaxThreadsPerBlock || gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535) {
        last_error = "invalid launch configuration for " + std::string(name) + ": grid (" + std::to_string(gx) + ","
                + std::to_string(gy) + "," + std::to_string(gz) + ") block (" + std::to_string(bx) + ","
                + std::to_string(by) + "," + std::to_string(bz) + ")";
        return 3;
    }
    if (shared_bytes > kMaxSharedBytes) {
        last_error = std::to_string(shared_bytes) + " bytes of dynamic shared memory exceed the 48 KiB default limit";
        return 4;
    }
    launch = Launch{it->second.fn, it->second.invoke, args};
    gridDim = dim3(gx, gy, gz);
    blockDim = dim3(bx, by, bz);
    unsigned long long blocks = 1ull * gx * gy * gz;
    // blocks run one after another, in the same order setting as threads (forward, reversed, shuffled)
    std::vector<unsigned long long> block_order(blocks);
    for (unsigned long long i = 0; i < blocks; i++) {
        block_order[i] = order_mode == 1 ? blocks - 1 - i : i;
    }
    if (order_mode == 2) {
        std::shuffle(block_order.begin(), block_order.end(), order_rng());
    }
    for (unsigned long long b : block_order) {
        uint3 block{static_cast<unsigned>(b % gx), static_cast<unsigned>((b / gx) % gy), static_cast<unsigned>(b / (1ull * gx * gy))};
        if (!run_block(block, static_cast<unsigned>(threads), shared_bytes)) {
            current = nullptr;  // the stuck fibers are abandoned; their stacks are reused by the next launch
            return 5;
        }
    }
    return 0;
}

__attribute__((visibility("default"))) void* sim_malloc(std::size_t bytes) {
    return std::aligned_alloc(256, (std::max<std::size_t>(bytes, 1) + 255) / 256 * 256);  // cudaMalloc aligns to 256
}

__attribute__((visibility("default"))) void sim_free(void* p) {
    std::free(p);
}

__attribute__((visibility("default"))) void sim_memcpy(void* dst, const void* src, std::size_t bytes) {
    std::memcpy(dst, src, bytes);
}

__attribute__((visibility("default"))) void sim_memset(void* dst, int value, std::size_t bytes) {
    std::memset(dst, value, bytes);
}

}  // extern "C"
