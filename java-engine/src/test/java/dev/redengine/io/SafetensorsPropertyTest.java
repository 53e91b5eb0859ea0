package dev.redengine.io;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whatever names, shapes and dtypes go in, the same come back, with values exact or correctly rounded. */
class SafetensorsPropertyTest {

    record Spec(String name, SafetensorsDType dtype, long[] shape, long seed) {
    }

    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("st-prop");
    }

    @AfterTry
    void removeDir() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Provide
    Arbitrary<List<Spec>> specs() {
        Arbitrary<String> names = Arbitraries.strings().withChars("abcxyz_.0123456789é")
                .ofMinLength(1).ofMaxLength(24).filter(n -> !n.equals("__metadata__"));
        Arbitrary<SafetensorsDType> dtypes = Arbitraries.of(SafetensorsDType.F32, SafetensorsDType.I32,
                SafetensorsDType.BF16, SafetensorsDType.F16);
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(4);
        Arbitrary<Spec> spec = Combinators.combine(names, dtypes, shapes, Arbitraries.longs()).as(Spec::new);
        return spec.list().ofMaxSize(8).uniqueElements(Spec::name);
    }

    @Property(tries = 60)
    void roundTrip(@ForAll("specs") List<Spec> specs) throws IOException {
        Map<String, float[]> floats = new LinkedHashMap<>();
        Map<String, int[]> ints = new LinkedHashMap<>();
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (Spec s : specs) {
            int n = (int) new TensorInfo(s.name(), s.dtype(), s.shape(), 0, 0).numel();
            Random r = new Random(s.seed());
            switch (s.dtype()) {
                case I32 -> {
                    int[] v = r.ints(n).toArray();
                    ints.put(s.name(), v);
                    w.addI32(s.name(), v, s.shape());
                }
                default -> {
                    float[] v = new float[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
                    }
                    floats.put(s.name(), v);
                    switch (s.dtype()) {
                        case F32 -> w.addF32(s.name(), v, s.shape());
                        case BF16 -> w.addBF16(s.name(), v, s.shape());
                        default -> w.addF16(s.name(), v, s.shape());
                    }
                }
            }
        }
        Path f = dir.resolve("p.safetensors");
        w.write(f);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(specs.stream().map(Spec::name).toList(), st.names());
            long expectedBegin = 0;
            for (Spec s : specs) {
                TensorInfo info = st.info(s.name());
                assertEquals(s.dtype(), info.dtype());
                assertArrayEquals(s.shape(), info.shape());
                assertEquals(expectedBegin, info.begin(), "tensors are contiguous in insertion order");
                expectedBegin = info.end();
                if (s.dtype() == SafetensorsDType.I32) {
                    assertArrayEquals(ints.get(s.name()), st.readInt32(s.name()));
                    continue;
                }
                float[] in = floats.get(s.name());
                float[] out = st.readFloat32(s.name());
                assertEquals(in.length, out.length);
                for (int i = 0; i < in.length; i++) {
                    switch (s.dtype()) {
                        case F32 -> assertEquals(Float.floatToRawIntBits(in[i]), Float.floatToRawIntBits(out[i]));
                        // bf16 keeps 8 significant bits: round-to-nearest is within half an ulp, at most 2^-8 relative.
                        case BF16 -> assertTrue(Math.abs(out[i] - in[i]) <= Math.abs(in[i]) * 0x1p-8f, in[i] + " -> " + out[i]);
                        default -> assertEquals(Float.float16ToFloat(Float.floatToFloat16(in[i])), out[i]);
                    }
                }
            }
            assertEquals(expectedBegin, Files.size(f) - st.dataOffset(), "no trailing bytes");
        }
    }

    @Property(tries = 300)
    void bf16RoundingIsNearestEven(@ForAll int bits) {
        float f = Float.intBitsToFloat(bits);
        float got = Conversions.bf16ToFloat(Conversions.floatToBf16(f));
        if (Float.isNaN(f)) {
            assertTrue(Float.isNaN(got));
            return;
        }
        // The two bf16 neighbours of f: truncation and the next one up in magnitude.
        float lo = Float.intBitsToFloat(bits & 0xFFFF0000);
        float hi = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        if ((bits & 0xFFFF) == 0) {
            assertEquals(f, got);
            return;
        }
        double dLo = Math.abs((double) f - lo);
        double dHi = Math.abs((double) f - hi);
        if (Float.isInfinite(hi) || Float.isNaN(hi)) {
            dHi = Math.abs((double) f - Math.copySign(0x1p128, f));
        }
        List<Float> allowed = new ArrayList<>();
        if (dLo < dHi) {
            allowed.add(lo);
        } else if (dHi < dLo) {
            allowed.add(hi);
        } else {
            allowed.add(((bits >>> 16) & 1) == 0 ? lo : hi);
        }
        assertEquals(allowed.getFirst(), got, "rounding " + f);
    }
    /** Corrupting any bytes of a valid file gives a readable file or a format error, never anything else. */
    @Property(tries = 200)
    void corruptedFilesFailCleanly(@ForAll("corruptions") List<int[]> edits) throws IOException {
        Path f = dir.resolve("c.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .addBF16("a.weight", new float[]{1f, 2f, 3f, 4f, 5f, 6f}, 2, 3)
                .addF32("b.bias", new float[]{7f, 8f}, 2)
                .addI32("c.ids", new int[]{1, 2, 3}, 3)
                .write(f);
        byte[] bytes = Files.readAllBytes(f);
        for (int[] e : edits) {
            bytes[Math.floorMod(e[0], bytes.length)] = (byte) e[1];
        }
        Files.write(f, bytes);
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            for (String name : st.names()) {
                try {
                    if (st.info(name).dtype().convertsToFloat32()) {
                        st.readFloat32(name);
                    } else {
                        st.readInt32(name);
                    }
                } catch (SafetensorsFormatException expected) {
                    assertTrue(expected.getMessage().contains("c.safetensors"), expected.getMessage());
                }
            }
        } catch (SafetensorsFormatException expected) {
            assertTrue(expected.getMessage().contains("c.safetensors"), expected.getMessage());
        }
    }

    @Provide
    Arbitrary<List<int[]>> corruptions() {
        // Mostly inside the length prefix and header, where structure lives; bytes biased to JSON punctuation.
        Arbitrary<Integer> pos = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 7)),
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(8, 220)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 10_000)));
        Arbitrary<Integer> val = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 255)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of((int) '{', (int) '}', (int) '[', (int) ']', (int) '"',
                        (int) ',', (int) ':', (int) '-', (int) '9', (int) '0', 0, 0xFF)));
        return Combinators.combine(pos, val).as((p, v) -> new int[]{p, v}).list().ofMinSize(1).ofMaxSize(3);
    }
}
