package dev.redengine.backend.cpu;

import dev.redengine.backend.TensorArena;
import dev.redengine.tensor.DType;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tensors as (storage, byte offset, dtype, shape) on the CPU backend: views, ownership, arenas, casts. */
class TensorStorageTest {
    private final CpuBackend be = new CpuBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private Tensor iota(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        Tensor t = be.allocate(n);
        be.upload(t, v);
        return t;
    }

    @Test
    void viewsAndSlicesAddressTheRightElements() {
        Tensor flat = iota(24);
        Tensor m = flat.viewAt(4, 3, 5);                      // elements 4..18 as [3, 5]
        assertEquals(16, m.byteOffset());
        assertArrayEquals(new float[]{9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, be.downloadFloats(m.slice(1, 3)));
        assertArrayEquals(new float[]{14, 15, 16, 17, 18}, be.downloadFloats(m.slice(2, 3).view(5)));
        be.upload(m.slice(1, 2), new float[]{-1, -2, -3, -4, -5});
        float[] all = be.downloadFloats(flat);
        assertEquals(8f, all[8]);
        assertEquals(-1f, all[9]);
        assertEquals(-5f, all[13]);
        assertEquals(14f, all[14]);
        assertThrows(IndexOutOfBoundsException.class, () -> flat.viewAt(20, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> m.slice(2, 4));
        assertThrows(IllegalArgumentException.class, () -> m.view(4, 4));
    }

    @Test
    void opsWorkOnViewsAtAnOffset() {
        Tensor flat = iota(10);
        Tensor a = flat.viewAt(1, 3), b = flat.viewAt(6, 3);
        be.add(a, a, b);                                      // [1,2,3] + [6,7,8]
        assertArrayEquals(new float[]{0, 7, 9, 11, 4, 5, 6, 7, 8, 9}, be.downloadFloats(flat));
        Tensor acc = be.allocate(1);
        be.sumSquares(acc, flat.viewAt(7, 3));                // 49 + 64 + 81
        assertEquals(194f, be.downloadFloats(acc)[0]);
    }

    @Test
    void aTensorOfAnotherBackendIsRefusedByName() {
        try (CpuBackend other = new CpuBackend(1)) {
            Tensor mine = be.allocate(4), theirs = other.allocate(4);
            var e = assertThrows(IllegalArgumentException.class, () -> be.add(mine, mine, theirs));
            assertTrue(e.getMessage().contains("not in this CPU backend's memory"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> be.downloadFloats(theirs));
        }
    }

    @Test
    void dtypesAreChecked() {
        Tensor ids = be.allocate(DType.I32, 4), x = be.allocate(4);
        assertThrows(IllegalArgumentException.class, () -> be.add(x, x, ids));
        assertThrows(IllegalArgumentException.class, () -> be.upload(ids, new float[4]));
        assertThrows(IllegalArgumentException.class, () -> be.copy(x, ids));
        assertThrows(IllegalArgumentException.class, () -> be.cast(x, ids));
        assertEquals(8, be.allocate(DType.BF16, 2, 2).byteSize());
        assertEquals(6, be.allocate(DType.F16, 3).byteSize());
    }

    @Test
    void closingAnArenaFreesItsTensorsAndLaterUseFails() {
        Tensor kept = be.allocate(3);
        Tensor gone;
        try (TensorArena scratch = be.openArena()) {
            gone = scratch.allocate(1000);
            assertEquals(4000, scratch.allocatedBytes());
            be.scale(gone, 2f);
        }
        assertThrows(IllegalStateException.class, () -> be.scale(gone, 2f));
        be.scale(kept, 2f);                                   // the backend's own arena is still alive
        be.close();
        assertThrows(IllegalStateException.class, () -> be.downloadFloats(kept));
    }

    @Test
    void bf16CastRoundsToNearestEven() {
        float one = 1f, ulp = Math.ulp(1f) * (1 << 16);       // bf16 keeps 8 bits of mantissa: ulp(1) = 2^-7
        float[] in = {one, one + ulp / 2, one + ulp * 1.5f, one + ulp / 4, -2.5f, Float.POSITIVE_INFINITY, Float.MAX_VALUE};
        float[] want = {one, one, one + 2 * ulp, one, -2.5f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY};
        Tensor f = be.allocate(in.length), h = be.allocate(DType.BF16, in.length), back = be.allocate(in.length);
        be.upload(f, in);
        be.cast(h, f);
        be.cast(back, h);
        assertArrayEquals(want, be.downloadFloats(back));
        be.upload(f, new float[]{Float.NaN, 0, 0, 0, 0, 0, 0});
        be.cast(h, f);
        be.cast(back, h);
        assertTrue(Float.isNaN(be.downloadFloats(back)[0]), "NaN stays NaN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"BF16", "F16"})
    void halfCastsMatchTheJdkConversions(String name) {
        DType half = DType.valueOf(name);
        SplittableRandom rng = new SplittableRandom(3);
        int n = 1000;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = (float) ((rng.nextDouble() * 2 - 1) * Math.pow(10, rng.nextInt(-4, 5)));
        }
        Tensor f = be.allocate(n), h = be.allocate(half, n), back = be.allocate(n), again = be.allocate(half, n);
        be.upload(f, in);
        be.cast(h, f);
        be.cast(back, h);
        be.cast(again, back);
        float[] got = be.downloadFloats(back);
        for (int i = 0; i < n; i++) {
            float want = half == DType.F16 ? Float.float16ToFloat(Float.floatToFloat16(in[i])) : bf16(in[i]);
            assertEquals(want, got[i], 0f, "element " + i + " = " + in[i]);
        }
        Tensor back2 = be.allocate(n);
        be.cast(back2, again);
        assertArrayEquals(got, be.downloadFloats(back2), "a second round trip changes nothing");
    }

    /** bf16 by exact rational rounding: the nearest of the two bf16 neighbours, ties to the even one. */
    private static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        float lo = Float.intBitsToFloat(bits & 0xffff0000), hi = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
        double dl = Math.abs((double) x - lo), dh = Math.abs((double) hi - x);
        if (dl != dh) {
            return dl < dh ? lo : hi;
        }
        return ((Float.floatToRawIntBits(lo) >>> 16) & 1) == 0 ? lo : hi;
    }
}
