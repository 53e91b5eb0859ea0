package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.OptimizerScalars;
import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Storage;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend over a {@link CudaDriver}: today the simulator ({@link SimDriver}), later a GPU. Every op of
 * {@link Backend} runs as a kernel of {@code native/} (one op per {@code .cu} file, forward and backward side by
 * side); the memory ops (upload, download, zero, copy) are the driver's own. Nothing here falls back to the host
 * behind the caller's back: a result is read to the host only where the contract asks for it (the id check of
 * {@code embedding}, which must throw on a bad id before anything is written).
 */
public final class CudaBackend implements Backend {
    /** Threads per block of the row kernels (a multiple of 32). */
    static final int ROW_BLOCK = 256;
    /** Blocks of rmsnorm_backward at most: each owns a row of the dweight partial sums. */
    static final int RMSNORM_BACKWARD_BLOCKS = 128;
    /** Blocks of sum_squares_partial at most (a few per multiprocessor); each writes one partial sum. */
    static final int SUM_SQUARES_BLOCKS = 512;
    /** Blocks of adamw_update at most; it loops over the rest of the tensor by grid stride. */
    static final int ADAMW_BLOCKS = 1024;

    private final CudaDriver driver;
    private final DeviceArena arena;
    /** cuBLAS for matmul on a GPU; null on the simulator, where our own SGEMM kernel runs (see {@link #gemm}). */
    private final ColumnMajorSgemm blas;

    public CudaBackend(CudaDriver driver) {
        this.driver = driver;
        driver.loadModule("rmsnorm", List.of("rmsnorm_forward", "rmsnorm_backward", "rmsnorm_dweight_reduce"));
        driver.loadModule("cross_entropy", List.of("cross_entropy_forward_backward", "cross_entropy_loss_sum"));
        driver.loadModule("matmul", List.of("matmul_forward"));
        driver.loadModule("attention", List.of("attention_forward", "attention_backward_delta", "attention_backward_dkdv",
                "attention_backward_dq"));
        driver.loadModule("loss_sum", List.of("loss_sum_rows"));
        driver.loadModule("kl_divergence", List.of("kl_divergence_forward_backward"));
        driver.loadModule("grad_norm", List.of("sum_squares_partial", "sum_squares_finish", "clip_scale"));
        driver.loadModule("adamw", List.of("advance_step", "adamw_update"));
        driver.loadModule("activation_losses", List.of("mse_loss_forward_backward", "cosine_loss_forward_backward"));
        driver.loadModule("calibration", List.of("abs_mean_over_tokens", "head_norm_mean_over_tokens"));
        driver.loadModule("embedding", List.of("embedding_find_bad_id", "embedding_forward", "embedding_backward"));
        driver.loadModule("rope", List.of("rope_forward", "rope_backward"));
        driver.loadModule("swiglu", List.of("swiglu_forward", "swiglu_backward"));
        driver.loadModule("bias", List.of("add_bias", "bias_backward_partial", "bias_backward_reduce"));
        driver.loadModule("elementwise", List.of("cast_float_dtypes", "add_elementwise", "scale_elementwise"));
        this.arena = new DeviceArena();
        this.blas = gemm(driver);
    }

    /**
     * cuBLAS when the driver is a GPU's and libcublas loads; otherwise null, and matmul runs native/matmul.cu (the
     * simulator, or a GPU machine without the CUDA toolkit's libraries: slower, same results within tolerance).
     */
    private static ColumnMajorSgemm gemm(CudaDriver driver) {
        if (driver instanceof GpuDriver gpu) {
            try {
                return gpu.cublas();
            } catch (IllegalStateException e) {
                System.err.println("note: " + e.getMessage() + "; matmul runs red-engine's own SGEMM kernel");
            }
        }
        return null;
    }

    public CudaDriver driver() {
        return driver;
    }

    @Override
    public String name() {
        return "cuda over " + driver.name() + (blas != null ? ", matmul by cuBLAS" : "");
    }

    @Override
    public TensorArena arena() {
        return arena;
    }

    @Override
    public TensorArena openArena() {
        return new DeviceArena();
    }

    // Memory.

    /** Device memory of one {@link CudaBackend}; the address stays in this package. */
    static final class DeviceStorage extends Storage {
        final long address;
        boolean freed;

        DeviceStorage(CudaBackend owner, long address, long byteSize) {
            super(owner, byteSize);
            this.address = address;
        }

        @Override
        public String location() {
            return "cuda";
        }
    }

    /** Tensors freed together; a tensor used after its arena closed is an error, never a read of freed memory. */
    final class DeviceArena implements TensorArena {
        private final List<DeviceStorage> storages = new ArrayList<>();
        private long bytes;
        private boolean closed;

        @Override
        public synchronized Tensor allocate(DType dtype, int... shape) {
            if (closed) {
                throw new IllegalStateException("this device arena is closed");
            }
            long size = Tensor.count(shape) * dtype.byteSize();
            long address = driver.alloc(Math.max(size, 1));
            driver.memset(address, 0, Math.max(size, 1));
            DeviceStorage s = new DeviceStorage(CudaBackend.this, address, size);
            storages.add(s);
            bytes += size;
            return new Tensor(s, 0, dtype, shape);
        }

        @Override
        public synchronized long allocatedBytes() {
            return bytes;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                for (DeviceStorage s : storages) {
                    s.freed = true;
                    driver.free(s.address);
                }
                storages.clear();
            }
        }
    }

    /** The tensor's device address, after checking that it is this backend's and still allocated. */
    private long address(Tensor t) {
        if (!(t.storage() instanceof DeviceStorage d) || !d.ownedBy(this)) {
            throw new IllegalArgumentException(t + " is not in this CUDA backend's memory (it lives on "
                    + t.storage().location() + (t.storage() instanceof DeviceStorage ? ", another backend" : "") + ")");
        }
        if (d.freed) {
            throw new IllegalStateException(t + " was freed: its arena is closed");
        }
        return d.address + t.byteOffset();
    }

    private CudaDriver.Ptr f32(Tensor t) {
        t.requireDtype(DType.F32);
        return new CudaDriver.Ptr(address(t));
    }

    /** An int32 tensor's device pointer (package-private: the launch helpers of this package pass ids). */
    CudaDriver.Ptr i32(Tensor t) {
        t.requireDtype(DType.I32);
        return new CudaDriver.Ptr(address(t));
    }

    private static void requireBytes(Tensor t, long bytes) {
        if (t.byteSize() != bytes) {
            throw new IllegalArgumentException(t + " holds " + t.byteSize() + " bytes, host buffer " + bytes);
        }
    }

    private static void requireCount(Tensor t, long n, String what) {
        if (t.numel() != n) {
            throw new IllegalArgumentException(what + " " + t + " must have " + n + " elements");
        }
    }

    private static void sameCount(Tensor a, Tensor b) {
        if (a.numel() != b.numel()) {
            throw new IllegalArgumentException(a + " and " + b + " differ in element count");
        }
    }

    @Override
    public void upload(Tensor dst, MemorySegment src) {
        requireBytes(dst, src.byteSize());
        driver.copyToDevice(address(dst), src);
    }

    @Override
    public void download(Tensor src, MemorySegment dst) {
        requireBytes(src, dst.byteSize());
        driver.copyToHost(dst, address(src));
    }

    @Override
    public void zero(Tensor t) {
        driver.memset(address(t), 0, t.byteSize());
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        sameCount(dst, src);
        if (dst.dtype() != src.dtype()) {
            throw new IllegalArgumentException("copy needs one dtype: " + src + " -> " + dst + " (cast converts)");
        }
        driver.copyOnDevice(address(dst), address(src), src.byteSize());
    }

    // Ops with kernels (native/rmsnorm.cu, native/cross_entropy.cu).

    @Override
    public void rmsnorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, float eps) {
        int rows = x.rows(), c = x.dim(-1);
        requireCount(weight, c, "rmsnorm weight");
        requireCount(rstd, rows, "rstd");
        sameCount(out, x);
        if (rows == 0) {
            return;
        }
        driver.launch("rmsnorm_forward", rows, ROW_BLOCK, 0, f32(out), f32(rstd), f32(x), f32(weight), c, eps);
    }

    @Override
    public void rmsnormBackward(Tensor dx, Tensor dweight, Tensor dout, Tensor x, Tensor weight, Tensor rstd) {
        int rows = x.rows(), c = x.dim(-1);
        sameCount(dx, x);
        sameCount(dout, x);
        requireCount(weight, c, "rmsnorm weight");
        requireCount(dweight, c, "rmsnorm dweight");
        requireCount(rstd, rows, "rstd");
        if (rows == 0 || c == 0) {
            return;
        }
        int blocks = Math.min(rows, RMSNORM_BACKWARD_BLOCKS);
        try (TensorArena scratch = openArena()) {
            Tensor partial = scratch.allocate(blocks, c);
            driver.launch("rmsnorm_backward", blocks, ROW_BLOCK, 0, f32(dx), f32(partial), f32(dout), f32(x), f32(weight),
                    f32(rstd), rows, c);
            driver.launch("rmsnorm_dweight_reduce", (c + ROW_BLOCK - 1) / ROW_BLOCK, ROW_BLOCK, 0, f32(dweight), f32(partial),
                    blocks, c);
            driver.synchronize(); // the scratch is freed when this block ends
        }
    }

    /**
     * As {@link Backend#crossEntropy}, except that a target >= V cannot throw from a kernel: that row's loss and
     * gradient become NaN (and so does lossSum).
     */
    @Override
    public void crossEntropy(Tensor losses, Tensor lossSum, Tensor dlogits, Tensor logits, Tensor targets, float gradScale) {
        targets.requireDtype(DType.I32);
        int rows = logits.rows(), vocab = logits.dim(-1);
        requireCount(targets, rows, "targets");
        requireCount(losses, rows, "losses");
        requireCount(lossSum, 1, "lossSum");
        if (dlogits != null) {
            sameCount(dlogits, logits);
        }
        if (rows == 0) {
            return;
        }
        CudaDriver.Ptr grad = dlogits == null ? CudaDriver.Ptr.NULL : f32(dlogits);
        driver.launch("cross_entropy_forward_backward", rows, ROW_BLOCK, 0, f32(losses), grad, f32(logits),
                new CudaDriver.Ptr(address(targets)), vocab, gradScale);
        driver.launch("cross_entropy_loss_sum", 1, ROW_BLOCK, 0, f32(lossSum), f32(losses), rows);
    }

    @Override
    public void cast(Tensor dst, Tensor src) {
        sameCount(dst, src);
        if (!dst.dtype().isFloatingPoint() || !src.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("cast converts between float dtypes only: " + src + " -> " + dst);
        }
        long n = dst.numel();
        if (dst.dtype() == src.dtype()) {
            driver.copyOnDevice(address(dst), address(src), src.byteSize());
        } else if (n > 0) {
            driver.launch("cast_float_dtypes", ElementwiseLaunch.blocks(n), ElementwiseLaunch.BLOCK, 0,
                    new CudaDriver.Ptr(address(dst)), new CudaDriver.Ptr(address(src)), n,
                    ElementwiseLaunch.dtypeCode(dst.dtype()), ElementwiseLaunch.dtypeCode(src.dtype()));
        }
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        sameCount(out, a);
        sameCount(out, b);
        long n = out.numel();
        if (n > 0) {
            driver.launch("add_elementwise", ElementwiseLaunch.blocks(n), ElementwiseLaunch.BLOCK, 0, f32(out), f32(a), f32(b), n);
        }
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        add(dst, dst, src);
    }

    @Override
    public void scale(Tensor x, float s) {
        long n = x.numel();
        if (n > 0) {
            driver.launch("scale_elementwise", ElementwiseLaunch.blocks(n), ElementwiseLaunch.BLOCK, 0, f32(x), n, s);
        }
    }

    @Override
    public void matmul(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int ar = a.rows(), ac = a.dim(-1), br = b.rows(), bc = b.dim(-1);
        int m = transA ? ac : ar, k = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (k != kb || c.rows() != m || c.dim(-1) != n) {
            throw new IllegalArgumentException("matmul shapes: op(A) [" + m + ", " + k + "] x op(B) [" + kb + ", " + n
                    + "] -> C " + java.util.Arrays.toString(c.shape()) + " (A " + a + (transA ? "^T" : "") + ", B " + b
                    + (transB ? "^T" : "") + ")");
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (blas != null) {
            RowMajorGemm.matmul(blas, f32(c).address(), f32(a).address(), ac, transA, f32(b).address(), bc, transB, m, n, k, alpha, beta);
            return;
        }
        int blocks = KernelLaunches.matmulBlocks(m, n);
        driver.launch("matmul_forward", blocks, KernelLaunches.MATMUL_THREADS, 0, f32(c), f32(a), f32(b), m, n, k,
                transA ? 1 : 0, transB ? 1 : 0, alpha, beta);
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        int cols = y.dim(-1);
        requireCount(bias, cols, "bias");
        long n = y.numel();
        if (n > 0) {
            driver.launch("add_bias", ElementwiseLaunch.blocks(n), ElementwiseLaunch.BLOCK, 0, f32(y), f32(bias), n, cols);
        }
    }

    @Override
    public void biasBackward(Tensor dbias, Tensor dy) {
        int rows = dy.rows(), cols = dy.dim(-1);
        requireCount(dbias, cols, "dbias");
        if (rows == 0 || cols == 0) {
            return;
        }
        int chunks = Math.min(rows, ElementwiseLaunch.BIAS_BACKWARD_CHUNKS);
        int chunk = (rows + chunks - 1) / chunks;
        chunks = (rows + chunk - 1) / chunk; // no empty chunk
        int colBlocks = (cols + ElementwiseLaunch.BLOCK - 1) / ElementwiseLaunch.BLOCK;
        try (TensorArena scratch = openArena()) {
            Tensor partial = scratch.allocate(chunks, cols);
            driver.launch("bias_backward_partial", Math.multiplyExact(colBlocks, chunks), ElementwiseLaunch.BLOCK, 0,
                    f32(partial), f32(dy), rows, cols, chunk);
            driver.launch("bias_backward_reduce", colBlocks, ElementwiseLaunch.BLOCK, 0, f32(dbias), f32(partial), chunks, cols);
            driver.synchronize(); // the scratch is freed when this block ends
        }
    }

    @Override
    public void embedding(Tensor out, Tensor ids, Tensor table) {
        ids.requireDtype(DType.I32);
        int n = Math.toIntExact(ids.numel()), vocab = table.rows(), c = table.dim(-1);
        requireCount(out, (long) n * c, "embedding output");
        if (n == 0 || c == 0) {
            return;
        }
        EmbeddingLaunch.requireIdsInVocabulary(this, ids, n, vocab);
        driver.launch("embedding_forward", n, ROW_BLOCK, 0, f32(out), i32(ids), f32(table), c, vocab);
    }

    @Override
    public void embeddingBackward(Tensor dtable, Tensor ids, Tensor dout) {
        ids.requireDtype(DType.I32);
        int n = Math.toIntExact(ids.numel()), vocab = dtable.rows(), c = dtable.dim(-1);
        requireCount(dout, (long) n * c, "embedding gradient");
        if (n == 0 || c == 0) {
            return;
        }
        EmbeddingLaunch.requireIdsInVocabulary(this, ids, n, vocab); // before any row changes
        int bucketRows = EmbeddingLaunch.bucketRows(vocab);
        int grid = EmbeddingLaunch.backwardBlocks(c, vocab, bucketRows, ROW_BLOCK);
        driver.launch("embedding_backward", grid, ROW_BLOCK, 0, f32(dtable), i32(ids), f32(dout), n, c, vocab, bucketRows);
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, int seqLen) {
        rotate("rope_forward", x, cos, sin, seqLen);
    }

    @Override
    public void ropeBackward(Tensor dx, Tensor cos, Tensor sin, int seqLen) {
        rotate("rope_backward", dx, cos, sin, seqLen);
    }

    /** x [rows, H, D] rotated in place by rope_forward or rope_backward (native/rope.cu). */
    private void rotate(String kernel, Tensor x, Tensor cos, Tensor sin, int seqLen) {
        int rows = x.dim(0), heads = x.dim(1), d = x.dim(2), half = d / 2;
        if (cos.dim(-1) != half || cos.rows() < seqLen || !java.util.Arrays.equals(sin.shape(), cos.shape())) {
            throw new IllegalArgumentException("rope tables " + cos + ", " + sin + " do not cover T=" + seqLen + ", D=" + d);
        }
        long pairs = (long) rows * heads * half;
        if (pairs > 0) {
            driver.launch(kernel, ElementwiseLaunch.blocks(pairs), ElementwiseLaunch.BLOCK, 0, f32(x), f32(cos), f32(sin),
                    pairs, heads, d, seqLen);
        }
    }

    @Override
    public void attention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, int batch, int seqLen, float scale) {
        KernelLaunches.AttentionShape s = KernelLaunches.AttentionShape.of(q, k, v, batch, seqLen);
        requireCount(out, s.qCount(), "attention out");
        requireCount(lse, s.lseCount(), "attention lse [B, H, T]");
        KernelLaunches.AttentionKernel kernel = KernelLaunches.AttentionKernel.FORWARD;
        int tile = kernel.tile(s.dim(), seqLen);
        driver.launch(kernel.name(), s.blocks(s.heads(), tile), KernelLaunches.ATTENTION_THREADS_PER_ROW * tile,
                kernel.sharedBytes(tile, s.dim()), f32(out), f32(lse), f32(q), f32(k), f32(v), seqLen, seqLen, s.heads(),
                s.kvHeads(), s.dim(), 0, tile, scale);
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out,
                                  Tensor lse, int batch, int seqLen, float scale) {
        KernelLaunches.AttentionShape s = KernelLaunches.AttentionShape.of(q, k, v, batch, seqLen);
        for (Tensor t : new Tensor[]{dq, dout, out}) {
            requireCount(t, s.qCount(), "attentionBackward dq, dout and out");
        }
        requireCount(dk, s.kvCount(), "attentionBackward dk");
        requireCount(dv, s.kvCount(), "attentionBackward dv");
        requireCount(lse, s.lseCount(), "attention lse [B, H, T]");
        int rows = Math.toIntExact(s.lseCount()), h = s.heads(), kv = s.kvHeads(), d = s.dim();
        KernelLaunches.AttentionKernel dkdv = KernelLaunches.AttentionKernel.DKDV, dqKernel = KernelLaunches.AttentionKernel.DQ;
        int tileKv = dkdv.tile(d, seqLen), tileQ = dqKernel.tile(d, seqLen);
        try (TensorArena scratch = openArena()) {
            Tensor delta = scratch.allocate(batch, h, seqLen); // dout . out per query row
            driver.launch("attention_backward_delta", (rows + ROW_BLOCK - 1) / ROW_BLOCK, ROW_BLOCK, 0, f32(delta), f32(dout),
                    f32(out), batch, seqLen, h, d);
            driver.launch(dkdv.name(), s.blocks(kv, tileKv), KernelLaunches.ATTENTION_THREADS_PER_ROW * tileKv,
                    dkdv.sharedBytes(tileKv, d), f32(dk), f32(dv), f32(dout), f32(q), f32(k), f32(v), f32(lse), f32(delta),
                    seqLen, h, kv, d, tileKv, scale);
            driver.launch(dqKernel.name(), s.blocks(h, tileQ), KernelLaunches.ATTENTION_THREADS_PER_ROW * tileQ,
                    dqKernel.sharedBytes(tileQ, d), f32(dq), f32(dout), f32(q), f32(k), f32(v), f32(lse), f32(delta),
                    seqLen, h, kv, d, tileQ, scale);
            driver.synchronize(); // the scratch is freed when this block ends
        }
    }

    @Override
    public void swiglu(Tensor out, Tensor gate, Tensor up) {
        sameCount(out, gate);
        sameCount(out, up);
        long n = out.numel();
        if (n > 0) {
            driver.launch("swiglu_forward", ElementwiseLaunch.blocks(n), ElementwiseLaunch.BLOCK, 0, f32(out), f32(gate), f32(up), n);
        }
    }

    @Override
    public void swigluBackward(Tensor dgate, Tensor dup, Tensor dout, Tensor gate, Tensor up) {
        sameCount(dout, gate);
        sameCount(dgate, gate);
        sameCount(dup, up);
        sameCount(dout, up);
        long n = dout.numel();
        if (n > 0) {
            driver.launch("swiglu_backward", ElementwiseLaunch.blocks(n), ElementwiseLaunch.BLOCK, 0, f32(dgate), f32(dup),
                    f32(dout), f32(gate), f32(up), n);
        }
    }

    /** native/kl_divergence.cu: one block per row, then loss_sum_rows adds the row losses in a fixed order. */
    @Override
    public void klDivergence(Tensor losses, Tensor lossSum, Tensor dstudent, Tensor student, Tensor teacher, Tensor mask,
                             float temperature, boolean reverse, float gradScale) {
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        int rows = student.rows(), vocab = student.dim(-1);
        sameCount(teacher, student);
        requireCount(losses, rows, "losses");
        requireCount(lossSum, 1, "lossSum");
        if (dstudent != null) {
            sameCount(dstudent, student);
        }
        int maskKind = 0; // the kernel's code: 0 no mask, 1 int32, 2 float32
        if (mask != null) {
            requireCount(mask, rows, "mask");
            if (mask.dtype() != DType.I32 && mask.dtype() != DType.F32) {
                throw new IllegalArgumentException("mask " + mask + " must be int32 or float32");
            }
            maskKind = mask.dtype() == DType.I32 ? 1 : 2;
        }
        if (rows == 0) {
            return;
        }
        driver.launch("kl_divergence_forward_backward", rows, ROW_BLOCK, 0, f32(losses),
                dstudent == null ? CudaDriver.Ptr.NULL : f32(dstudent), f32(student), f32(teacher),
                mask == null ? CudaDriver.Ptr.NULL : new CudaDriver.Ptr(address(mask)), maskKind, vocab, temperature,
                1f / temperature, reverse ? 1 : 0, gradScale);
        driver.launch("loss_sum_rows", 1, ROW_BLOCK, 0, f32(lossSum), f32(losses), rows);
    }

    /** native/activation_losses.cu, one block per row; s = gradScale 2 / C rounded as the CPU backend rounds it. */
    @Override
    public void mseLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale) {
        activationLoss("mseLoss", "mse_loss_forward_backward", losses, lossSum, dx, dtarget, x, target,
                gradScale * 2f / x.dim(-1));
    }

    @Override
    public void cosineLoss(Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget, Tensor x, Tensor target, float gradScale) {
        activationLoss("cosineLoss", "cosine_loss_forward_backward", losses, lossSum, dx, dtarget, x, target, gradScale);
    }

    /** Both activation losses: the shape and aliasing checks of the contract, the row kernel, then the loss sum. */
    private void activationLoss(String op, String kernel, Tensor losses, Tensor lossSum, Tensor dx, Tensor dtarget,
                                Tensor x, Tensor target, float scale) {
        int rows = x.rows(), width = x.dim(-1);
        if (target.rows() != rows || target.dim(-1) != width) {
            throw new IllegalArgumentException(op + ": target " + target + " does not match x " + x);
        }
        requireCount(losses, rows, op + " losses");
        requireCount(lossSum, 1, op + " lossSum");
        for (Tensor g : new Tensor[]{dx, dtarget}) {
            if (g != null) {
                sameCount(g, x);
                if (g.storage() == x.storage() || g.storage() == target.storage()) {
                    throw new IllegalArgumentException(op + ": gradient " + g + " may not share storage with x or target");
                }
            }
        }
        if (rows == 0) {
            return;
        }
        driver.launch(kernel, rows, ROW_BLOCK, 0, f32(losses), dx == null ? CudaDriver.Ptr.NULL : f32(dx),
                dtarget == null ? CudaDriver.Ptr.NULL : f32(dtarget), f32(x), f32(target), width, scale);
        driver.launch("loss_sum_rows", 1, ROW_BLOCK, 0, f32(lossSum), f32(losses), rows);
    }

    @Override
    public void cachedAttention(Tensor out, Tensor q, Tensor kCache, Tensor vCache, int position, float scale) {
        KernelLaunches.checkCachedAttention(out, q, kCache, vCache, position);
        int t = q.dim(0), h = q.dim(1), d = q.dim(2), cacheRows = kCache.dim(0), kv = kCache.dim(1);
        if (t == 0 || d == 0) {
            return;
        }
        // attention_forward at B = 1 whose queries start at `position`; it reads cache rows < position + T only
        KernelLaunches.AttentionKernel kernel = KernelLaunches.AttentionKernel.FORWARD;
        int tile = kernel.tile(d, t);
        driver.launch(kernel.name(), h * KernelLaunches.ceilDiv(t, tile), KernelLaunches.ATTENTION_THREADS_PER_ROW * tile,
                kernel.sharedBytes(tile, d), f32(out), CudaDriver.Ptr.NULL, f32(q), f32(kCache), f32(vCache), t, cacheRows,
                h, kv, d, position, tile, scale);
    }

    /** native/grad_norm.cu: per-block partial sums in double, then one block adds them in block order. */
    @Override
    public void sumSquares(Tensor acc, Tensor x) {
        requireCount(acc, 1, "sumSquares accumulator");
        long n = x.numel();
        CudaDriver.Ptr xs = f32(x), accumulator = f32(acc);
        if (n == 0) {
            return;
        }
        int blocks = (int) Math.min((n + ROW_BLOCK - 1) / ROW_BLOCK, SUM_SQUARES_BLOCKS);
        try (TensorArena scratch = openArena()) {
            Tensor partial = scratch.allocate(2 * blocks); // [blocks] doubles: no F64 dtype, two float slots each
            driver.launch("sum_squares_partial", blocks, ROW_BLOCK, 0, f32(partial), xs, n);
            driver.launch("sum_squares_finish", 1, ROW_BLOCK, 0, accumulator, f32(partial), blocks);
            driver.synchronize(); // the scratch is freed when this block ends
        }
    }

    @Override
    public void clipScale(Tensor scalars, float maxNorm) {
        requireCount(scalars, OptimizerScalars.SIZE, "optimizer scalars");
        driver.launch("clip_scale", 1, 1, 0, f32(scalars), maxNorm);
    }

    @Override
    public void advanceStep(Tensor scalars, Tensor lrTable) {
        requireCount(scalars, OptimizerScalars.SIZE, "optimizer scalars");
        if (lrTable.numel() == 0) {
            throw new IllegalArgumentException("the learning-rate table " + lrTable + " is empty");
        }
        driver.launch("advance_step", 1, 1, 0, f32(scalars), f32(lrTable), lrTable.numel());
    }

    /** native/adamw.cu: one grid-stride pass over the parameter; lr, step and clip scale stay on the device. */
    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor scalars, float beta1, float beta2, float eps,
                      float weightDecay) {
        sameCount(param, grad);
        sameCount(param, m);
        sameCount(param, v);
        requireCount(scalars, OptimizerScalars.SIZE, "optimizer scalars");
        long n = param.numel();
        if (n == 0) {
            return;
        }
        int blocks = (int) Math.min((n + ROW_BLOCK - 1) / ROW_BLOCK, ADAMW_BLOCKS);
        driver.launch("adamw_update", blocks, ROW_BLOCK, 0, f32(param), f32(grad), f32(m), f32(v), f32(scalars), n, beta1,
                beta2, eps, weightDecay);
    }

    /** native/calibration.cu: one thread per (sequence, column), tokens added in order. */
    @Override
    public void absMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        int c = x.dim(-1), batch = sequences(x.rows(), seqLen, "absMeanOverTokens");
        requireCount(out, (long) batch * c, "absMeanOverTokens output");
        if (batch == 0 || c == 0) {
            return;
        }
        int columnBlocks = (c + ROW_BLOCK - 1) / ROW_BLOCK;
        driver.launch("abs_mean_over_tokens", batch * columnBlocks, ROW_BLOCK, 0, f32(out), f32(x), seqLen, c, columnBlocks);
    }

    /** native/calibration.cu: one block per (sequence, head), a warp per head vector. */
    @Override
    public void headNormMeanOverTokens(Tensor out, Tensor x, int seqLen) {
        int heads = x.dim(-2), d = x.dim(-1), batch = sequences(x.rows() / heads, seqLen, "headNormMeanOverTokens");
        requireCount(out, (long) batch * heads, "headNormMeanOverTokens output");
        if (batch == 0 || heads == 0) {
            return;
        }
        driver.launch("head_norm_mean_over_tokens", batch * heads, ROW_BLOCK, 0, f32(out), f32(x), seqLen, heads, d);
    }

    /** The number of sequences of seqLen tokens in a batch of the given tokens (a whole number, or an error). */
    private static int sequences(int tokens, int seqLen, String op) {
        if (seqLen <= 0 || tokens % seqLen != 0) {
            throw new IllegalArgumentException(op + ": " + tokens + " tokens are not whole sequences of " + seqLen);
        }
        return tokens / seqLen;
    }

    @Override
    public void synchronize() {
        driver.synchronize();
    }

    @Override
    public void close() {
        arena.close();
        driver.close();
    }
}
