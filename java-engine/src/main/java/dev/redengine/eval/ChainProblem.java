package dev.redengine.eval;

/**
 * One variable-binding chain: the prompt (statements, then the query, e.g. {@code a=3;b=a+4;x=5;c=b-9;c=?}), its
 * answer (one digit) and its depth, the number of derived statements between the query and a constant.
 */
public record ChainProblem(String prompt, String answer, int depth) {

    /** The training document: prompt directly followed by the answer. */
    public String text() {
        return prompt + answer;
    }
}
