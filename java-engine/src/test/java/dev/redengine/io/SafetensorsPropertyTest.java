package dev.redengine.io;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whatever names, shapes and dtypes go in, the same come back, with values exact or correctly rounded. */
class SafetensorsPropertyTest {

    record Spec(String name, SafetensorsDType dtype, long[] shape, long seed) {
        /** {@code name:DTYPE[d0,d1]#0xseed}, short enough that eight of them fit JUnit's 512-character argument. */
        @Override
        public String toString() {
            return name + ":" + dtype + Arrays.stream(shape).mapToObj(Long::toString)
                    .collect(Collectors.joining(",", "[", "]")) + "#0x" + Long.toHexString(seed);
        }
    }

    private static final String NAME_CHARS = "abcxyz_.0123456789é";
    private static final SafetensorsDType[] DTYPES = {SafetensorsDType.F32, SafetensorsDType.I32,
            SafetensorsDType.BF16, SafetensorsDType.F16};

    /**
     * Lists of up to 8 tensors with distinct names of 1 to 24 characters from {@link #NAME_CHARS} (é is two bytes
     * of UTF-8), any of the four dtypes, shapes of rank 0 to 4 with dimensions 0 to 5, and a value seed. First the
     * edges: no tensors, scalars, empty tensors (a zero dimension), the largest shape, one- and 24-character names,
     * names out of sorted order, eight tensors; then random lists from a fixed seed.
     */
    static Stream<Arguments> specs() {
        String longName = "abcxyz_.0123456789éabcxy";
        List<List<Spec>> edges = List.of(
                List.of(),
                List.of(new Spec("a", SafetensorsDType.F32, new long[0], 0)),
                List.of(new Spec("s.f32", SafetensorsDType.F32, new long[0], 1),
                        new Spec("s.i32", SafetensorsDType.I32, new long[0], -1),
                        new Spec("s.bf16", SafetensorsDType.BF16, new long[0], Long.MIN_VALUE),
                        new Spec("s.f16", SafetensorsDType.F16, new long[0], Long.MAX_VALUE)),
                List.of(new Spec("e.f32", SafetensorsDType.F32, new long[]{0}, 2),
                        new Spec("e.i32", SafetensorsDType.I32, new long[]{5, 0, 3}, 3),
                        new Spec("e.bf16", SafetensorsDType.BF16, new long[]{0, 0, 0, 0}, 4),
                        new Spec("e.f16", SafetensorsDType.F16, new long[]{1, 0}, 5)),
                List.of(new Spec("0", SafetensorsDType.I32, new long[]{0}, 6)),
                List.of(new Spec("m.f32", SafetensorsDType.F32, new long[]{5, 5, 5, 5}, 7),
                        new Spec("m.i32", SafetensorsDType.I32, new long[]{5, 5, 5, 5}, 8),
                        new Spec("m.bf16", SafetensorsDType.BF16, new long[]{5, 5, 5, 5}, 9),
                        new Spec("m.f16", SafetensorsDType.F16, new long[]{5, 5, 5, 5}, 10)),
                List.of(new Spec("é", SafetensorsDType.BF16, new long[]{1}, 11),
                        new Spec("éééééééééééééééééééééééé", SafetensorsDType.F16, new long[]{2, 3}, 12),
                        new Spec(longName, SafetensorsDType.F32, new long[]{3, 1, 2}, 13),
                        new Spec("_", SafetensorsDType.I32, new long[]{4}, 14),
                        new Spec(".", SafetensorsDType.F32, new long[]{1, 1, 1, 1}, 15)),
                List.of(new Spec("z", SafetensorsDType.F32, new long[]{2}, 16),
                        new Spec("a", SafetensorsDType.F16, new long[]{3}, 17),
                        new Spec("_", SafetensorsDType.BF16, new long[]{0}, 18),
                        new Spec("9", SafetensorsDType.I32, new long[]{1}, 19)),
                List.of(new Spec("l0", SafetensorsDType.F32, new long[]{5}, 20),
                        new Spec("l1", SafetensorsDType.I32, new long[0], 21),
                        new Spec("l2", SafetensorsDType.BF16, new long[]{2, 5}, 22),
                        new Spec("l3", SafetensorsDType.F16, new long[]{0, 4}, 23),
                        new Spec("l4", SafetensorsDType.F32, new long[]{5, 5, 5, 5}, 24),
                        new Spec("l5", SafetensorsDType.I32, new long[]{3, 3}, 25),
                        new Spec("l6", SafetensorsDType.BF16, new long[]{5, 5, 5}, 26),
                        new Spec("l7", SafetensorsDType.F16, new long[]{1}, 27)));
        List<Arguments> out = new ArrayList<>();
        for (List<Spec> e : edges) {
            out.add(Arguments.of(e));
        }
        SplittableRandom rnd = new SplittableRandom(0x5AFE_7E45L);
        for (int r = 0; r < 60; r++) {
            int size = rnd.nextInt(0, 9);
            List<Spec> list = new ArrayList<>();
            Set<String> names = new HashSet<>();
            while (list.size() < size) {
                StringBuilder name = new StringBuilder();
                for (int len = rnd.nextInt(1, 25); name.length() < len; ) {
                    name.append(NAME_CHARS.charAt(rnd.nextInt(NAME_CHARS.length())));
                }
                if (name.toString().equals("__metadata__") || !names.add(name.toString())) {
                    continue;
                }
                long[] shape = new long[rnd.nextInt(0, 5)];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = rnd.nextInt(0, 6);
                }
                list.add(new Spec(name.toString(), DTYPES[rnd.nextInt(DTYPES.length)], shape, rnd.nextLong()));
            }
            out.add(Arguments.of(list));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("specs")
    void roundTrip(List<Spec> specs, @TempDir Path dir) throws IOException {
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

    /**
     * Float bit patterns: the integer edges (0, +-1, +-2, MIN_VALUE, MAX_VALUE and their neighbours), the float ones
     * (signed zeros, ties to even in both directions and their neighbours, the top of the finite range that rounds to
     * infinity, infinities, NaNs whose payload is only in the low 16 bits, subnormals), then random ints from a fixed
     * seed.
     */
    static Stream<Arguments> floatBits() {
        int[] edges = {
                0, 1, -1, 2, -2, Integer.MIN_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE, Integer.MAX_VALUE - 1,
                0x3F800000, 0x3F807FFF, 0x3F808000, 0x3F808001, 0x3F818000, 0xBF818000, 0x3F817FFF,
                0x7F7F7FFF, 0x7F7F8000, 0x7F7FFFFF, 0xFF7F8000, 0xFF7FFFFF,
                0x7F800000, 0xFF800000, 0x7F800001, 0x7F80FFFF, 0xFF808000, 0x7FC00000,
                0x00008000, 0x00018000, 0x80008001, 0x007FFFFF, 0x00800000, 0x0000FFFF,
        };
        List<Arguments> out = new ArrayList<>();
        for (int bits : edges) {
            out.add(floatBitsCase(bits));
        }
        SplittableRandom rnd = new SplittableRandom(0xBF16_0001L);
        for (int r = 0; r < 300; r++) {
            out.add(floatBitsCase(rnd.nextInt()));
        }
        return out.stream();
    }

    private static Arguments floatBitsCase(int bits) {
        return Arguments.of(Named.of(String.format("0x%08x = %s", bits, Float.intBitsToFloat(bits)), bits));
    }

    @ParameterizedTest(name = "{index}: bits {0}")
    @MethodSource("floatBits")
    void bf16RoundingIsNearestEven(int bits) {
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
    @ParameterizedTest(name = "{index}: edits {0}")
    @MethodSource("corruptions")
    void corruptedFilesFailCleanly(List<Edit> edits, @TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .addBF16("a.weight", new float[]{1f, 2f, 3f, 4f, 5f, 6f}, 2, 3)
                .addF32("b.bias", new float[]{7f, 8f}, 2)
                .addI32("c.ids", new int[]{1, 2, 3}, 3)
                .write(f);
        byte[] bytes = Files.readAllBytes(f);
        for (Edit e : edits) {
            bytes[Math.floorMod(e.pos(), bytes.length)] = (byte) e.value();
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

    /** Sets the byte at {@code pos} modulo the file length to {@code value}. */
    record Edit(int pos, int value) {
        @Override
        public String toString() {
            return "@" + pos + "=" + (value >= 0x20 && value < 0x7F ? "'" + (char) value + "'" : String.format("0x%02x", value));
        }
    }

    private static final int[] PUNCTUATION = {'{', '}', '[', ']', '"', ',', ':', '-', '9', '0', 0, 0xFF};

    /**
     * One to three byte edits, mostly inside the 8-byte length prefix and the header, where structure lives, with
     * values biased to JSON punctuation. First the edges: each prefix byte set to 0xFF (a huge header length), the
     * top byte to 0x80 (a negative one), the low byte to 0 and 1, the header's opening brace replaced by each
     * punctuation value, the last of the header range, positions that wrap around the file, the whole prefix
     * overwritten, three edits of one byte; then random edits from a fixed seed.
     */
    static Stream<Arguments> corruptions() {
        List<List<Edit>> edges = new ArrayList<>();
        for (int pos = 0; pos < 8; pos++) {
            edges.add(List.of(new Edit(pos, 0xFF)));
        }
        edges.add(List.of(new Edit(7, 0x80)));
        edges.add(List.of(new Edit(0, 0)));
        edges.add(List.of(new Edit(0, 1)));
        for (int v : PUNCTUATION) {
            edges.add(List.of(new Edit(8, v)));
        }
        edges.add(List.of(new Edit(220, '}')));
        edges.add(List.of(new Edit(220, 0)));
        edges.add(List.of(new Edit(10_000, '"')));
        edges.add(List.of(new Edit(9_999, 0xFF)));
        edges.add(List.of(new Edit(0, 0xFF), new Edit(1, 0xFF), new Edit(2, 0xFF)));
        edges.add(List.of(new Edit(0, 0), new Edit(1, 0), new Edit(2, 0)));
        edges.add(List.of(new Edit(9, '}'), new Edit(9, ':'), new Edit(9, 0)));
        List<Arguments> out = new ArrayList<>();
        for (List<Edit> e : edges) {
            out.add(Arguments.of(e));
        }
        SplittableRandom rnd = new SplittableRandom(0xC0AA_0B7EL);
        for (int r = 0; r < 200; r++) {
            List<Edit> edits = new ArrayList<>();
            for (int n = rnd.nextInt(1, 4); edits.size() < n; ) {
                // Positions: weights 3 for the length prefix, 6 for the header, 1 for anywhere (wrapping).
                int w = rnd.nextInt(10);
                int pos = w < 3 ? rnd.nextInt(0, 8) : w < 9 ? rnd.nextInt(8, 221) : rnd.nextInt(0, 10_001);
                int value = rnd.nextBoolean() ? rnd.nextInt(0, 256) : PUNCTUATION[rnd.nextInt(PUNCTUATION.length)];
                edits.add(new Edit(pos, value));
            }
            out.add(Arguments.of(edits));
        }
        return out.stream();
    }
}
