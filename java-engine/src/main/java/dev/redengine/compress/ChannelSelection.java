package dev.redengine.compress;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Picks the k most important indices. Ties go to the lower index, so selections are deterministic. */
public final class ChannelSelection {
    private ChannelSelection() {
    }

    /** Indices of the k largest scores, returned in ascending index order (the order channels keep). */
    public static int[] topK(double[] importance, int k) {
        if (k <= 0 || k > importance.length) {
            throw new IllegalArgumentException("cannot keep " + k + " of " + importance.length + " channels");
        }
        for (int i = 0; i < importance.length; i++) {
            if (Double.isNaN(importance[i])) {
                throw new IllegalArgumentException("importance of channel " + i + " is NaN");
            }
        }
        int[] order = IntStream.range(0, importance.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -importance[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).limit(k).toArray();
        Arrays.sort(order);
        return order;
    }

    /** Fraction of a's indices also in b (the overlap RED reports between calibration sets). */
    public static double overlap(int[] a, int[] b) {
        int[] sb = b.clone();
        Arrays.sort(sb);
        long common = Arrays.stream(a).filter(i -> Arrays.binarySearch(sb, i) >= 0).count();
        return (double) common / a.length;
    }
}
