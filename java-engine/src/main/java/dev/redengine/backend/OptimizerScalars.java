package dev.redengine.backend;

/**
 * The slots of the optimizer's scalar tensor, float32 [{@link #SIZE}], which lives on the device beside the
 * parameters. The ops {@link Backend#clipScale}, {@link Backend#advanceStep} and {@link Backend#adamw} read
 * and write it there; the loss and the gradient norm are accumulated into views of it ({@code
 * scalars.view(SLOT, 1)}), and the trainer downloads the whole block once per log interval.
 */
public final class OptimizerScalars {
    /** Learning rate of the current step. */
    public static final int LR = 0;
    /** Steps taken, counted from 1 (0 before the first). */
    public static final int STEP = 1;
    /** Factor the gradients are multiplied by (global-norm clipping), 1 when not clipped. */
    public static final int CLIP_SCALE = 2;
    /** 0, or the first step whose gradient norm was NaN or infinite (sticky; updates stop while set). */
    public static final int NON_FINITE = 3;
    /** Sum of the squares of every gradient, accumulated by {@link Backend#sumSquares}; reset each step. */
    public static final int SUM_SQUARES = 4;
    /** sqrt(SUM_SQUARES), before clipping. */
    public static final int GRAD_NORM = 5;
    /** Sum of per-token losses, accumulated by {@link Backend#crossEntropy}; reset each log interval. */
    public static final int LOSS_SUM = 6;
    /** Slots in all; the last is spare. */
    public static final int SIZE = 8;

    private OptimizerScalars() {
    }
}
