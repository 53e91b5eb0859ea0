package dev.redengine.data;

import java.util.SplittableRandom;

/** A permutation of 0..n-1 fixed by a seed: Fisher-Yates with SplittableRandom, the same on every JVM. */
public final class SeededShuffle {
    private SeededShuffle() {
    }

    public static int[] permutation(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
