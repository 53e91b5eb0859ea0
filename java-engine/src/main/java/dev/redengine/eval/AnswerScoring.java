package dev.redengine.eval;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How generated text is scored against a reference answer: exact match, of a chain answer or of a final number. */
public final class AnswerScoring {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");

    private AnswerScoring() {
    }

    /**
     * A chain answer is right when the generation, leading spaces skipped, starts with exactly the answer and
     * the next character (if any) is not a digit: "7", "7;" and "7 because" match 7; "72" and " 8" do not.
     */
    public static boolean chainCorrect(String generated, String answer) {
        String g = generated.stripLeading();
        return g.startsWith(answer) && (g.length() == answer.length() || !Character.isDigit(g.charAt(answer.length())));
    }

    /** The last number in the text (an optional minus, digits, an optional decimal part), commas in numbers dropped. */
    public static Optional<String> finalNumber(String text) {
        Matcher m = NUMBER.matcher(text.replaceAll("(?<=\\d),(?=\\d{3})", ""));
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return Optional.ofNullable(last).map(AnswerScoring::canonical);
    }

    /** Exact match of the final numbers of the generation and of the reference answer ("So 42." matches "42"). */
    public static boolean finalNumberCorrect(String generated, String answer) {
        Optional<String> want = finalNumber(answer);
        if (want.isEmpty()) {
            throw new IllegalArgumentException("the reference answer \"" + answer + "\" has no number");
        }
        return want.equals(finalNumber(generated));
    }

    /** "3.50" and "3.5" are one number, as are "-0" and "0"; integers stay integers. */
    private static String canonical(String number) {
        String s = number;
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s.equals("-0") ? "0" : s;
    }
}
