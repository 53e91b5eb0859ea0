package dev.redengine.distill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LossWeights} as written on the command line, and {@link InitMethod}'s properties. */
class LossWeightsTest {

    @Test
    void parsesTermsIntoTheirCanonicalOrderAndDropsZeroWeights() {
        LossWeights w = LossWeights.parse(" hidden_cos=0.25, rkl=3,kl=0 ,ce=1e-1,clone=2,hidden_mse=0.5");
        assertEquals(List.of(LossTerm.CE, LossTerm.REVERSE_KL, LossTerm.CLONE, LossTerm.HIDDEN_MSE, LossTerm.HIDDEN_COS), w.terms());
        assertEquals(0.1, w.weight(LossTerm.CE));
        assertEquals(0.0, w.weight(LossTerm.KL));
        assertFalse(w.has(LossTerm.KL));
        assertTrue(w.has(LossTerm.CLONE));
        assertEquals("ce=0.1,rkl=3.0,clone=2.0,hidden_mse=0.5,hidden_cos=0.25", w.toString());
        assertEquals(w.toString(), LossWeights.parse(w.toString()).toString(), "the canonical spelling parses back");
        assertTrue(LossTerm.KL.onLogits() && !LossTerm.HIDDEN_MSE.onLogits());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "kl|expected term=weight, got 'kl'",
            "=1|expected term=weight, got '=1'",
            "kl=|expected term=weight, got 'kl='",
            "kl=1,,ce=1|expected term=weight, got ''",
            "kl=x|the weight of kl is not a number: 'x'",
            "kl=NaN|the weight of kl must be a finite number >= 0",
            "kl=Infinity|the weight of kl must be a finite number >= 0",
            "kl=-0.5|the weight of kl must be a finite number >= 0",
            "kl=0,ce=0|every term has weight 0",
            "mse=1|unknown loss term 'mse'; the terms are ce, kl, rkl, clone, hidden_mse, hidden_cos",
            "ce=1,ce=2|term ce is given twice"})
    void refusesWhatItCannotRead(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossWeights.parse(spec));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aWeightOfExactlyZeroIsAllowedAndTheSmallestPositiveIsKept() {
        LossWeights w = LossWeights.parse("kl=0,ce=4.9e-324");
        assertEquals(List.of(LossTerm.CE), w.terms());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"red,true,true,true", "magnitude,true,false,false", "minitron,true,true,false",
            "random,false,false,true", "orthogonal,false,false,true"})
    void initMethodsSayWhatTheyNeed(InitMethod m, boolean selects, boolean calibrates, boolean projections) {
        assertEquals(selects, m.selectsChannels());
        assertEquals(calibrates, m.calibrates());
        assertEquals(projections, m.projectionByDefault());
        assertEquals(selects ? dev.redengine.compress.NormInit.TEACHER : dev.redengine.compress.NormInit.ONES,
                StudentInit.defaultGains(m));
    }

    /** LRC's loss (which RED trains with) for projection students, logit distillation plus CE for the others. */
    @Test
    void defaultsDependOnWhatTrains() {
        LossWeights lrc = LossWeights.defaultFor(true), all = LossWeights.defaultFor(false);
        assertEquals(List.of(LossTerm.CE, LossTerm.KL, LossTerm.CLONE), lrc.terms());
        assertEquals(List.of(LossTerm.CE, LossTerm.KL), all.terms());
        for (LossTerm t : lrc.terms()) {
            assertEquals(1.0, lrc.weight(t), t.key());
        }
        assertEquals(1.0, all.weight(LossTerm.KL));
        assertEquals(1.0, all.weight(LossTerm.CE));
    }
}
