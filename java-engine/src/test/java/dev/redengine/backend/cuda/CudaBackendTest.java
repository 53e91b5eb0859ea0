package dev.redengine.backend.cuda;

import dev.redengine.backend.Backend;
import dev.redengine.backend.TensorArena;
import dev.redengine.backend.cpu.CpuBackend;
import dev.redengine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the CUDA backend does besides its kernels: memory ops, ownership checks, and no pretending. */
class CudaBackendTest {

    @Test
    void uploadDownloadZeroAndCopy() {
        try (Backend be = SimSupport.backend(SimDriver.Order.REVERSED)) {
            Tensor a = be.allocate(2, 3), b = be.allocate(6);
            assertArrayEquals(new float[6], be.downloadFloats(a));
            be.upload(a, new float[]{1, 2, 3, 4, 5, 6});
            be.copy(b, a);
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, be.downloadFloats(b));
            be.zero(a);
            assertArrayEquals(new float[6], be.downloadFloats(a));
        }
    }

    @Test
    void tensorsOfOtherBackendsAndFreedTensorsAreRejected() {
        try (Backend be = SimSupport.backend(SimDriver.Order.FORWARD); CpuBackend cpu = new CpuBackend(1)) {
            Tensor host = cpu.allocate(4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.zero(host));
            assertTrue(e.getMessage().contains("cpu"), e.getMessage());
            Tensor t;
            try (TensorArena arena = be.openArena()) {
                t = arena.allocate(4);
            }
            Tensor freed = t;
            assertThrows(IllegalStateException.class, () -> be.downloadFloats(freed));
        }
    }
}
