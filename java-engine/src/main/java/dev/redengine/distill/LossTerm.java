package dev.redengine.distill;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The named terms a distillation loss is composed of ({@code --loss kl=1,ce=0.5}). The logit terms compare the
 * student's next-token distribution with the data or the teacher's; the activation terms compare hidden
 * activations with the teacher's mapped to the student's width.
 */
public enum LossTerm {
    /** Next-token cross-entropy of the student on the data, mean over predicted tokens. */
    CE("ce", true),
    /** T^2 KL(p_teacher || q_student) at the temperature, mean over tokens (Hinton et al.). */
    KL("kl", true),
    /** T^2 KL(q_student || p_teacher): mode-seeking, mean over tokens. */
    REVERSE_KL("rkl", true),
    /** LRC's activation clone loss: q, k, v, gate, up, attention and MLP outputs against the teacher's. */
    CLONE("clone", false),
    /** MSE between student hidden states and the teacher's mapped to the student's width. */
    HIDDEN_MSE("hidden_mse", false),
    /** 1 - cosine similarity between student hidden states and the teacher's mapped ones. */
    HIDDEN_COS("hidden_cos", false);

    private final String key;
    private final boolean onLogits;

    LossTerm(String key, boolean onLogits) {
        this.key = key;
        this.onLogits = onLogits;
    }

    /** The name on the command line and in metrics.jsonl. */
    public String key() {
        return key;
    }

    /** Whether the term is computed from the logits (else from intermediate activations). */
    public boolean onLogits() {
        return onLogits;
    }

    public static LossTerm parse(String key) {
        for (LossTerm t : values()) {
            if (t.key.equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown loss term '" + key + "'; the terms are "
                + Arrays.stream(values()).map(LossTerm::key).collect(Collectors.joining(", ")));
    }
}
