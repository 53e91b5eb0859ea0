package dev.redengine.model;


/**
 * Which positions a training step counts. By default every one; with an answer marker, only the {@code span}
 * predictions that start at the marker, so that a task whose text is mostly unpredictable (the chain task's random
 * variable names and constants) trains on its answers alone. In the chain task's "c=?7;" the "?" predicts the answer
 * digit and, with span 2, the digit predicts the ';' (or EOS) after it: a model that never learned what follows
 * an answer does not know to stop there.
 */
public record LossMask(int marker, int span) {
    /** The target id that the cross-entropy skips (HF's ignore_index, as {@link CausalLM#shiftedTargets} writes it). */
    public static final int IGNORED = -100;

    /** No marker: every next-token target counts. */
    public static final LossMask ALL = new LossMask(-1, 0);

    public LossMask {
        if (marker < -1) {
            throw new IllegalArgumentException("loss-mask marker must be a token id >= 0 (or -1 for none), got " + marker);
        }
        if (marker >= 0 && span < 1) {
            throw new IllegalArgumentException("loss-mask span must be >= 1, got " + span);
        }
    }

    /** Counts the predictions at the marker (token id) and at the span - 1 positions after it. */
    public static LossMask after(int tokenId, int span) {
        if (tokenId < 0) {
            throw new IllegalArgumentException("loss-mask marker must be a token id >= 0, got " + tokenId);
        }
        return new LossMask(tokenId, span);
    }

    /** Counts only the prediction at the marker: the token right after it. */
    public static LossMask after(int tokenId) {
        return after(tokenId, 1);
    }

    public boolean masksAnything() {
        return marker >= 0;
    }

    /**
     * Which positions of ids [B * T] count: without a marker all; with one, a position counts when a marker stands
     * at it or fewer than span positions before it in the same row.
     */
    public boolean[] positions(int[] ids, int batch, int seqLen) {
        if (ids.length != batch * seqLen) {
            throw new IllegalArgumentException("ids hold " + ids.length + " tokens, not batch " + batch + " x seqLen " + seqLen);
        }
        boolean[] kept = new boolean[ids.length];
        for (int b = 0; b < batch; b++) {
            int sinceMarker = Integer.MAX_VALUE;   // positions since the last marker in this row
            for (int t = 0; t < seqLen; t++) {
                int i = b * seqLen + t;
                sinceMarker = ids[i] == marker ? 0 : sinceMarker == Integer.MAX_VALUE ? sinceMarker : sinceMarker + 1;
                kept[i] = marker < 0 || sinceMarker < span;
            }
        }
        return kept;
    }

    /**
     * Targets [B * T] for ids [B * T]: position t of a row predicts its token t + 1 (the last position of a row
     * predicts nothing, {@link CausalLM#shiftedTargets}), at the {@link #positions} that count.
     */
    public int[] targets(int[] ids, int batch, int seqLen) {
        boolean[] kept = positions(ids, batch, seqLen);
        int[] targets = CausalLM.shiftedTargets(ids, batch, seqLen);
        for (int i = 0; i < ids.length; i++) {
            if (!kept[i]) {
                targets[i] = IGNORED;
            }
        }
        return targets;
    }

    /** How many targets of ids [B * T] count. */
    public long counted(int[] ids, int batch, int seqLen) {
        long n = 0;
        for (int target : targets(ids, batch, seqLen)) {
            if (target != IGNORED) {
                n++;
            }
        }
        return n;
    }
}
