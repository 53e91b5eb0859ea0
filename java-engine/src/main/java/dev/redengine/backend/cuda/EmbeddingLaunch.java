package dev.redengine.backend.cuda;

import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** Launch details of native/embedding.cu that {@link CudaBackend}'s two embedding ops share. */
final class EmbeddingLaunch {
    private EmbeddingLaunch() {
    }

    /**
     * Vocabulary ranges of embedding_backward: each thread owns a column within one range and walks all the ids,
     * so more ranges mean more threads (C alone is too few blocks to fill a GPU) and more id reads per thread.
     */
    static final int VOCAB_BUCKETS = 16;

    /** Threads of the one block of embedding_find_bad_id. */
    static final int CHECK_BLOCK = 256;

    static int bucketRows(int vocab) {
        return Math.max(1, (vocab + VOCAB_BUCKETS - 1) / VOCAB_BUCKETS);
    }

    /** Blocks of embedding_backward: column blocks times vocabulary ranges. */
    static int backwardBlocks(int c, int vocab, int bucketRows, int block) {
        int colBlocks = (c + block - 1) / block, buckets = (vocab + bucketRows - 1) / bucketRows;
        return Math.multiplyExact(colBlocks, Math.max(1, buckets));
    }

    /**
     * Throws IndexOutOfBoundsException naming the first id outside [0, vocab) and its position, as the contract
     * asks; a kernel cannot throw, so a one-block kernel finds it and the host reads back two ints (a sync point).
     */
    static void requireIdsInVocabulary(CudaBackend be, Tensor ids, int n, int vocab) {
        try (TensorArena scratch = be.openArena()) {
            Tensor bad = scratch.allocate(DType.I32, 2); // [first bad position (n if none), its id]
            be.driver().launch("embedding_find_bad_id", 1, CHECK_BLOCK, 0, be.i32(bad), be.i32(ids), n, vocab);
            int[] found = new int[2];
            be.download(bad, MemorySegment.ofArray(found));
            if (found[0] < n) {
                throw new IndexOutOfBoundsException("token id " + found[1] + " at position " + found[0]
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
