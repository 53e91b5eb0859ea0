package dev.redengine.eval;

/** Exact-match accuracy of one model at one chain depth, with its 95% Wilson interval. */
public record DepthAccuracy(int depth, int correct, int n, double low, double high) {

    public static DepthAccuracy of(int depth, int correct, int n) {
        WilsonInterval w = WilsonInterval.of(correct, n);
        return new DepthAccuracy(depth, correct, n, w.low(), w.high());
    }

    public double accuracy() {
        return (double) correct / n;
    }
}
