#!/usr/bin/env python3
"""Puts `red-engine bench --json` next to tools/torch_ops_bench.py's JSON (and GpuTestMain's test summary):
one JSON and one Markdown table, named by date and device, in --out-dir (benchmarks/results/ by default).

  python3 tools/bench_compare.py --ours ours.json --torch torch.json [--tests tests.json] [--out-dir DIR] [--name NAME]

Ratio = torch ms / ours ms: above 1 red-engine is faster on that op, below 1 slower. Standard library only.
"""
import argparse
import datetime
import json
import os
import re
import sys


def fmt(x, digits):
    return "-" if x is None else ("%." + str(digits) + "f") % x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--torch", required=True)
    ap.add_argument("--tests")
    ap.add_argument("--out-dir", default="benchmarks/results")
    ap.add_argument("--name", help="file name stem (default gpu-test-DATE-DEVICE)")
    args = ap.parse_args()
    ours = json.load(open(args.ours))
    torch = json.load(open(args.torch)) if os.path.exists(args.torch) else {"error": "no PyTorch result (%s)" % args.torch}
    tests = json.load(open(args.tests)) if args.tests and os.path.exists(args.tests) else None
    theirs = {o["op"]: o for o in torch.get("ops", [])}
    rows = []
    for o in ours["ops"]:
        t = theirs.get(o["op"])
        row = {"op": o["op"], "shape": o["shape"], "bound": o["bound"], "ours_ms": o["ms"], "torch_ms": t["ms"] if t else None,
               "ours_gb_per_s": o["gb_per_s"], "ours_tflops": o["tflops"], "ours_percent_of_peak": o["percent_of_peak"],
               "torch_gb_per_s": t.get("gb_per_s") if t else None, "torch_tflops": t.get("tflops") if t else None}
        row["ratio_torch_over_ours"] = (t["ms"] / o["ms"]) if t and o["ms"] > 0 else None
        rows.append(row)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    device = ours["device"]
    stem = args.name or "gpu-test-%s-%s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
                                           re.sub(r"[^A-Za-z0-9]+", "-", device.split("(")[-1] if "(" in device else device).strip("-").lower()[:40])
    result = {"date": date, "device": device, "torch_device": torch.get("device"), "torch_error": torch.get("error"),
              "peak": ours["peak"], "shape": ours["shape"], "ops": rows, "tests": tests}
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, stem + ".json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = ["# red-engine vs PyTorch, %s" % date, "",
             "- device: %s" % device,
             "- PyTorch: %s" % (torch.get("device") or ("not run: " + str(torch.get("error")))),
             "- peak: %s" % ours["peak"]["source"],
             "- shape: %s" % ", ".join("%s %s" % kv for kv in ours["shape"].items())]
    if tests:
        lines.append("- tests on the device (GpuTestMain): %d passed, %d failed, %d skipped"
                     % (tests["succeeded"], tests["failed"], tests["skipped"]))
    lines += ["", "| op | shape | ours ms | torch ms | torch/ours | ours GB/s | ours TFLOP/s | ours % peak | torch GB/s | torch TFLOP/s |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["op"], r["shape"], fmt(r["ours_ms"], 4), fmt(r["torch_ms"], 4), fmt(r["ratio_torch_over_ours"], 2),
            fmt(r["ours_gb_per_s"], 1), fmt(r["ours_tflops"], 3), fmt(r["ours_percent_of_peak"], 1),
            fmt(r["torch_gb_per_s"], 1), fmt(r["torch_tflops"], 3)))
    if tests:
        lines += ["", "| test class | passed | failed | skipped | s |", "| --- | ---: | ---: | ---: | ---: |"]
        for c in tests["classes"]:
            lines.append("| %s | %d | %d | %d | %.1f |" % (c["class"], c["passed"], c["failed"], c["skipped"], c["seconds"]))
    md = "\n".join(lines) + "\n"
    with open(os.path.join(args.out_dir, stem + ".md"), "w") as f:
        f.write(md)
    print(md)
    print("wrote %s.{json,md}" % os.path.join(args.out_dir, stem), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
