package dev.redengine.distill;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A distillation loss: the weighted sum of named {@link LossTerm}s, as written on the command line
 * ({@code kl=1,ce=0.5,clone=0.2}). Terms of weight 0 are dropped; at least one term must remain.
 */
public record LossWeights(Map<LossTerm, Double> weights) {

    public LossWeights {
        EnumMap<LossTerm, Double> kept = new EnumMap<>(LossTerm.class);
        weights.forEach((t, w) -> {
            if (!Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException("--loss: the weight of " + t.key() + " must be a finite number >= 0, got " + w);
            }
            if (w > 0) {
                kept.put(t, w);
            }
        });
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("--loss: every term has weight 0; give at least one term a weight > 0");
        }
        weights = Collections.unmodifiableMap(kept);
    }

    /**
     * The loss a student trains with unless told otherwise: LRC's (which RED trains with) for a projection student,
     * Minitron's logit distillation plus the LM loss for one whose every weight trains.
     */
    public static LossWeights defaultFor(boolean projections) {
        return parse(projections ? "kl=1,ce=1,clone=1" : "kl=1,ce=1");
    }

    /** Parses {@code term=weight[,term=weight...]}; a term given twice is an error. */
    public static LossWeights parse(String spec) {
        EnumMap<LossTerm, Double> w = new EnumMap<>(LossTerm.class);
        for (String part : spec.split(",", -1)) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("--loss: expected term=weight, got '" + p + "' in '" + spec + "'");
            }
            LossTerm t = LossTerm.parse(p.substring(0, eq).trim());
            double value;
            try {
                value = Double.parseDouble(p.substring(eq + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--loss: the weight of " + t.key() + " is not a number: '"
                        + p.substring(eq + 1).trim() + "'");
            }
            if (w.put(t, value) != null) {
                throw new IllegalArgumentException("--loss: term " + t.key() + " is given twice");
            }
        }
        return new LossWeights(w);
    }

    /** The terms in their canonical order (that of {@link LossTerm}). */
    public List<LossTerm> terms() {
        return new ArrayList<>(weights.keySet());
    }

    public double weight(LossTerm t) {
        return weights.getOrDefault(t, 0.0);
    }

    public boolean has(LossTerm t) {
        return weights.containsKey(t);
    }

    /** The canonical spelling, e.g. {@code ce=1.0,kl=1.0}: what a checkpoint records. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(",");
        weights.forEach((t, w) -> j.add(t.key() + "=" + w));
        return j.toString();
    }
}
