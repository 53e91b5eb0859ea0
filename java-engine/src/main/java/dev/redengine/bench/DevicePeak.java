package dev.redengine.bench;

import java.util.List;
import java.util.Locale;

/**
 * A device's peak memory bandwidth and FP32 (non-tensor-core) throughput, from NVIDIA's data sheets for the GPUs
 * red-engine is run on, matched by name. Other devices (a CPU, the simulator) have no table entry: their bandwidth
 * peak is the device-to-device copy the bench measures, and they have no FLOP peak. {@code source} says which.
 *
 * @param gbPerSecond peak memory bandwidth, GB/s (10^9 bytes)
 * @param tflops      peak FP32 throughput, TFLOP/s, or NaN when unknown
 */
public record DevicePeak(String device, double gbPerSecond, double tflops, String source) {

    private record Entry(String match, String device, double gbs, double tflops) {
    }

    /** Most specific names first: "H100 PCIe" before "H100". */
    private static final List<Entry> TABLE = List.of(
            new Entry("h200", "NVIDIA H200 SXM", 4800, 67),
            new Entry("h100 pcie", "NVIDIA H100 PCIe", 2000, 51),
            new Entry("h100 nvl", "NVIDIA H100 NVL", 3900, 60),
            new Entry("h100", "NVIDIA H100 SXM", 3350, 67),
            new Entry("a100-sxm4-80gb", "NVIDIA A100 SXM 80GB", 2039, 19.5),
            new Entry("a100 80gb pcie", "NVIDIA A100 PCIe 80GB", 1935, 19.5),
            new Entry("a100", "NVIDIA A100 40GB", 1555, 19.5),
            new Entry("l40s", "NVIDIA L40S", 864, 91.6),
            new Entry("l4", "NVIDIA L4", 300, 30.3));

    /** The data-sheet peak of the device whose name contains a table entry, or null. */
    public static DevicePeak fromTable(String deviceName) {
        String n = deviceName.toLowerCase(Locale.ROOT);
        for (Entry e : TABLE) {
            if (n.contains(e.match())) {
                return new DevicePeak(e.device(), e.gbs(), e.tflops(), "data sheet (" + e.device() + ": " + e.gbs() + " GB/s, "
                        + e.tflops() + " TFLOP/s FP32)");
            }
        }
        return null;
    }

    /** No table entry: the bandwidth peak is the copy measured on this device, the FLOP peak unknown. */
    public static DevicePeak measured(String deviceName, double copyGbPerSecond) {
        return new DevicePeak(deviceName, copyGbPerSecond, Double.NaN,
                "measured device copy bandwidth (" + String.format(Locale.ROOT, "%.1f", copyGbPerSecond) + " GB/s); no FLOP peak known");
    }
}
