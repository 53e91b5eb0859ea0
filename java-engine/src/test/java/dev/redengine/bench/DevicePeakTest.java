package dev.redengine.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicePeakTest {
    @Test
    void gpusAreMatchedByTheirMostSpecificName() {
        assertEquals(4800, DevicePeak.fromTable("NVIDIA H200 (compute 9.0)").gbPerSecond());
        assertEquals(3350, DevicePeak.fromTable("NVIDIA H100 80GB HBM3 (compute 9.0)").gbPerSecond());
        assertEquals(2000, DevicePeak.fromTable("NVIDIA H100 PCIe (compute 9.0)").gbPerSecond());
        assertEquals(2039, DevicePeak.fromTable("NVIDIA A100-SXM4-80GB (compute 8.0)").gbPerSecond());
        assertEquals(1555, DevicePeak.fromTable("NVIDIA A100-SXM4-40GB (compute 8.0)").gbPerSecond());
        assertTrue(DevicePeak.fromTable("NVIDIA H200").source().startsWith("data sheet"));
        assertNull(DevicePeak.fromTable("NVIDIA GeForce GTX 1080"));
    }

    @Test
    void elsewhereTheMeasuredCopyIsThePeak() {
        DevicePeak p = DevicePeak.measured("cpu", 12.5);
        assertEquals(12.5, p.gbPerSecond());
        assertTrue(Double.isNaN(p.tflops()) && p.source().contains("measured") && p.source().contains("12.5"), p.source());
    }
}
