package dev.redengine.generate;

import dev.redengine.data.HfTokenizer;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints generated text as its tokens arrive. A byte-level token can be part of a UTF-8 character, so the whole
 * generation is decoded each time and only the new suffix is printed, held back while it ends in an incomplete
 * character (decoded as U+FFFD).
 */
public final class TextStream {
    private final HfTokenizer tokenizer;
    private final PrintWriter out;
    private final List<Integer> ids = new ArrayList<>();
    private int printed;

    public TextStream(HfTokenizer tokenizer, PrintWriter out) {
        this.tokenizer = tokenizer;
        this.out = out;
    }

    public void accept(int id) {
        ids.add(id);
        String text = text();
        if (!text.endsWith("\uFFFD") && text.length() > printed) {
            out.print(text.substring(printed));
            out.flush();
            printed = text.length();
        }
    }

    /** Prints whatever was held back, then a newline. */
    public void finish() {
        String text = text();
        if (text.length() > printed) {
            out.print(text.substring(printed));
        }
        out.println();
        out.flush();
    }

    public String text() {
        return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }
}
