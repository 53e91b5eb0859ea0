package dev.redengine.eval;

/** A range of chain depths written "3" or "1-8" (both ends included). */
public record DepthRange(int from, int to) {

    public DepthRange {
        if (from < 1 || to > ChainTask.MAX_DEPTH || from > to) {
            throw new IllegalArgumentException("depths must lie in 1-" + ChainTask.MAX_DEPTH + " with from <= to, got "
                    + from + "-" + to);
        }
    }

    public static DepthRange parse(String text) {
        String[] parts = text.strip().split("-", -1);
        try {
            if (parts.length == 1) {
                int d = Integer.parseInt(parts[0]);
                return new DepthRange(d, d);
            }
            if (parts.length == 2) {
                return new DepthRange(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("expected a depth or a range like 1-8, got '" + text + "'");
    }
}
