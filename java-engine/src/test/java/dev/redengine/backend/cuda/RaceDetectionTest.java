package dev.redengine.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator catches a missing {@code __syncthreads}: native/test/race.cu shifts values through shared memory
 * with and without the barrier. With it the result is right in every thread order; without it, it is right in
 * forward order only by luck (each thread's left neighbour has already run) and wrong reversed or shuffled, where
 * a thread reads a shared slot nobody has written yet (NaN-filled by the simulator).
 */
class RaceDetectionTest {
    private static final int BLOCK = 128, GRID = 3, N = BLOCK * GRID;

    private static float[] run(SimDriver.Order order, String kernel) {
        try (SimDriver d = SimSupport.driver(order); Arena host = Arena.ofConfined()) {
            float[] in = new float[N];
            for (int i = 0; i < N; i++) {
                in[i] = i + 1;
            }
            long din = d.alloc(N * 4L), dout = d.alloc(N * 4L);
            d.copyToDevice(din, MemorySegment.ofArray(in));
            d.launch(kernel, GRID, BLOCK, BLOCK * 4, new CudaDriver.Ptr(dout), new CudaDriver.Ptr(din));
            MemorySegment out = host.allocate(N * 4L);
            d.copyToHost(out, dout);
            d.free(din);
            d.free(dout);
            return out.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    private static float[] expected() {
        float[] want = new float[N];
        for (int i = 0; i < N; i++) {
            int t = i % BLOCK;
            want[i] = (t > 0 ? i - 1 : i) + 1;
        }
        return want;
    }

    @ParameterizedTest
    @EnumSource(SimDriver.Order.class)
    void withTheBarrierEveryOrderIsRight(SimDriver.Order order) {
        assertArrayEquals(expected(), run(order, "test_rotate_with_sync"));
    }

    @Test
    void withoutTheBarrierForwardOrderIsRightByLuck() {
        assertArrayEquals(expected(), run(SimDriver.Order.FORWARD, "test_rotate_missing_sync"));
    }

    @ParameterizedTest
    @EnumSource(value = SimDriver.Order.class, names = {"REVERSED", "SHUFFLED"})
    void withoutTheBarrierOtherOrdersShowTheRace(SimDriver.Order order) {
        float[] got = run(order, "test_rotate_missing_sync"), want = expected();
        int wrong = 0;
        for (int i = 0; i < N; i++) {
            if (Float.compare(got[i], want[i]) != 0) {
                wrong++;
                assertTrue(Float.isNaN(got[i]), "a racing read sees the NaN fill of shared memory, got " + got[i] + " at " + i);
            }
        }
        // reversed: every thread but the first of each block reads before its neighbour wrote
        assertTrue(order == SimDriver.Order.SHUFFLED ? wrong > N / 4 : wrong == N - GRID, wrong + " wrong of " + N);
    }

    @Test
    void argumentsAreCheckedAgainstTheKernelSignature() {
        try (SimDriver d = SimSupport.driver(SimDriver.Order.FORWARD)) {
            assertEquals("pp", d.kernelSignature("test_rotate_with_sync"));
            assertEquals("ppppppii", d.kernelSignature("rmsnorm_backward"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.launch("test_rotate_with_sync", 1, 32, 128, CudaDriver.Ptr.NULL, 3));
            assertTrue(e.getMessage().contains("argument 1"), e.getMessage());
            IllegalStateException unknown = assertThrows(IllegalStateException.class, () -> d.launch("no_such_kernel", 1, 32, 0));
            assertTrue(unknown.getMessage().contains("no_such_kernel"), unknown.getMessage());
            IllegalStateException tooBig = assertThrows(IllegalStateException.class,
                    () -> d.launch("test_rotate_with_sync", 1, 2048, 0, CudaDriver.Ptr.NULL, CudaDriver.Ptr.NULL));
            assertTrue(tooBig.getMessage().contains("invalid launch configuration"), tooBig.getMessage());
        }
    }

    /** Each shuffle of native/test/race.cu's test_shuffles against its definition, in every thread order. */
    @ParameterizedTest
    @EnumSource(SimDriver.Order.class)
    void shufflesMoveValuesBetweenLanesAsOnTheGpu(SimDriver.Order order) {
        int n = 64;
        try (SimDriver d = SimSupport.driver(order); Arena host = Arena.ofConfined()) {
            float[] in = new float[n];
            for (int i = 0; i < n; i++) {
                in[i] = 100 + i;
            }
            long din = d.alloc(n * 4L), dout = d.alloc(4L * n * 4);
            d.copyToDevice(din, MemorySegment.ofArray(in));
            d.launch("test_shuffles", 1, n, 0, new CudaDriver.Ptr(dout), new CudaDriver.Ptr(din));
            MemorySegment out = host.allocate(4L * n * 4);
            d.copyToHost(out, dout);
            d.free(din);
            d.free(dout);
            float[] got = out.toArray(ValueLayout.JAVA_FLOAT), want = new float[4 * n];
            for (int t = 0; t < n; t++) {
                int lane = t % 32, warp = t - lane;
                want[t] = in[warp + (lane ^ 5)];
                want[n + t] = in[lane + 3 < 32 ? t + 3 : t];
                want[2 * n + t] = in[warp + (lane & ~7) + ((lane ^ 4) & 7)];
                want[3 * n + t] = in[lane % 16 >= 2 ? t - 2 : t];
            }
            assertArrayEquals(want, got);
        }
    }
}
