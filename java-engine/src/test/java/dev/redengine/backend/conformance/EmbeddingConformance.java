package dev.redengine.backend.conformance;

import dev.redengine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static dev.redengine.backend.conformance.Expect.U;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code embedding} (a row gather: exact) and {@code embeddingBackward} (a scatter-add into the table, a
 * parameter gradient, so it accumulates; repeated ids add up). Small vocabularies force repeats, V = 1 makes
 * every id the same. Random data: |dtable - ref| <= 2 (k + 2) U (|dtable0| + sum |dout|) for a row hit k times;
 * integers: exact. Ids outside [0, V) are an IndexOutOfBoundsException naming the id, in both directions.
 */
public abstract class EmbeddingConformance extends BackendConformance {

    /** N tokens (as B sequences of N / B), vocabulary V, width C. */
    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] nbv = {{1, 1, 1}, {7, 1, 5}, {33, 1, 1}, {33, 3, 2}, {40, 4, 37}, {17, 1, 300}};
        long seed = 1;
        for (int[] s : nbv) {
            for (int c : ODD_SIZES) {
                cases.add(Arguments.of(s[0], s[1], s[2], c, seed++));
            }
        }
        // wider than a GPU block of 256 threads, and more tokens than one: several column blocks and id strides
        cases.add(Arguments.of(9, 3, 40, 300, seed++));
        cases.add(Arguments.of(600, 2, 37, 3, seed));
        return cases;
    }

    private static int[] ids(SplittableRandom rng, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        if (n > 1) {
            ids[n - 1] = vocab - 1; // the last row of the table, from the last token
            ids[0] = ids[n - 1];    // and a repeat
        }
        return ids;
    }

    @ParameterizedTest(name = "N={0} B={1} V={2} C={3}")
    @MethodSource("cases")
    void embeddingGathersRows(int n, int batch, int vocab, int c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] table = wideRange(rng, vocab * c);
        int[] ids = ids(rng, n, vocab);
        Tensor out = upload(filled(n * c, Float.NaN), n, c), tt = upload(table, vocab, c);
        be.embedding(out, uploadInts(ids, batch, n / batch), tt);
        float[] want = new float[n * c];
        for (int i = 0; i < n; i++) {
            System.arraycopy(table, ids[i] * c, want, i * c, c);
        }
        Expect.same("out", want, download(out));
        Expect.same("table is read only", table, download(tt));
    }

    @ParameterizedTest(name = "N={0} B={1} V={2} C={3}")
    @MethodSource("cases")
    void embeddingBackwardScatterAddsRepeatedIds(int n, int batch, int vocab, int c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] dtable0 = uniform(rng, vocab * c, 1), dout = uniform(rng, n * c, 1);
        int[] ids = ids(rng, n, vocab);
        Tensor dtable = upload(dtable0, vocab, c);
        be.embeddingBackward(dtable, uploadInts(ids, batch, n / batch), upload(dout, n, c));
        double[] want = toDouble(dtable0), mag = new double[want.length];
        int[] hits = new int[vocab];
        for (int i = 0; i < want.length; i++) {
            mag[i] = Math.abs(dtable0[i]);
        }
        for (int i = 0; i < n; i++) {
            hits[ids[i]]++;
            for (int j = 0; j < c; j++) {
                want[ids[i] * c + j] += dout[i * c + j];
                mag[ids[i] * c + j] += Math.abs(dout[i * c + j]);
            }
        }
        double[] tol = new double[want.length];
        for (int i = 0; i < tol.length; i++) {
            tol[i] = 2 * (hits[i / c] + 2) * U * mag[i]; // rows no id hits: tolerance 0, they must not change
        }
        Expect.within("dtable0 + scattered dout", want, download(dtable), tol);
    }

    @ParameterizedTest(name = "N={0} B={1} V={2} C={3}")
    @MethodSource("cases")
    void embeddingBackwardIsExactOnIntegersAndAccumulatesAcrossCalls(int n, int batch, int vocab, int c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] dtable0 = integers(rng, vocab * c, 1000), dout = integers(rng, n * c, 100);
        int[] ids = ids(rng, n, vocab);
        Tensor dtable = upload(dtable0, vocab, c), idt = uploadInts(ids, n), doutT = upload(dout, n, c);
        be.embeddingBackward(dtable, idt, doutT);
        be.embeddingBackward(dtable, idt, doutT);
        double[] want = toDouble(dtable0);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                want[ids[i] * c + j] += 2.0 * dout[i * c + j];
            }
        }
        Expect.exact("dtable0 + 2 scattered dout", want, download(dtable));
    }

    static List<Arguments> badIds() {
        return List.of(Arguments.of(1, 5, 0, 5), Arguments.of(1, 5, 0, -1), Arguments.of(17, 37, 16, 37),
                Arguments.of(17, 37, 16, -7), Arguments.of(17, 37, 3, Integer.MAX_VALUE),
                Arguments.of(600, 37, 517, 37)); // beyond the first 256 positions
    }

    @ParameterizedTest(name = "N={0} V={1} ids[{2}]={3}")
    @MethodSource("badIds")
    void idsOutsideTheVocabularyAreRefused(int n, int vocab, int at, int badId) {
        int c = 3;
        int[] ids = new int[n];
        ids[at] = badId;
        Tensor idt = uploadInts(ids, n), table = zeros(vocab, c), out = zeros(n, c), dout = zeros(n, c);
        Pattern named = Pattern.compile("(?<![0-9-])" + badId + "(?![0-9])"); // the id as a whole number
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> be.embedding(out, idt, table));
        assertTrue(e.getMessage() != null && named.matcher(e.getMessage()).find(), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> be.embeddingBackward(table, idt, dout));
        assertTrue(e.getMessage() != null && named.matcher(e.getMessage()).find(), e.getMessage());
        Expect.exact("the table is left as it was", new double[vocab * c], download(table));
    }
}
