package dev.redengine.compress;

/**
 * How a narrower student's RMSNorm gains start. RED does not disclose its choice: TEACHER (the teacher's
 * gains on the kept channels, the natural pruned init) is the default for channel selections; ONES is LRC's.
 */
public enum NormInit {
    TEACHER, ONES;

    public static NormInit parse(String s) {
        return switch (s) {
            case "teacher" -> TEACHER;
            case "ones" -> ONES;
            default -> throw new IllegalArgumentException("unknown --norm-init " + s + " (teacher or ones)");
        };
    }
}
