package dev.redengine.backend.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapAlignmentTest {

    @Test
    void floatsToTheNextBoundary() {
        assertEquals(0, HeapAlignment.floatsToAlign(0x1000, 32));
        assertEquals(4, HeapAlignment.floatsToAlign(0x1010, 32));
        assertEquals(1, HeapAlignment.floatsToAlign(0x101c, 32));
        assertEquals(7, HeapAlignment.floatsToAlign(0x1004, 32));
        assertEquals(12, HeapAlignment.floatsToAlign(0x1010, 64));
        assertEquals(0, HeapAlignment.floatsToAlign(0x1010, 16));
    }

    @Test
    void aHeapArrayGetsAnOffsetInsideOneVector() {
        for (int size : new int[] {1, 7, 1000, 1 << 20}) {
            int off = HeapAlignment.floatsToAlign(new float[size], 64);
            assertTrue(off >= 0 && off < 16, "offset " + off);
        }
    }
}
