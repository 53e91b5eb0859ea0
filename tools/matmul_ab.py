#!/usr/bin/env python3
"""A/B of two JVM configurations of our Sgemm (e.g. two register tiles), paired round by round.

Settings read once at class load (the register tile, redengine.sgemm.kernel) need a JVM each, so this script
alternates JVMs: every round runs dev.redengine.bench.MatmulTimer once with each configuration (order swapped
every round), and each round gives one ratio B/A per shape. The median of those paired ratios is robust to the
host's slow phases, which hit A and B alike only when they run close together in time. (Cache blockings can be
compared inside one JVM instead: MatmulTimer --blocking.)

Build first:  mvn -q -B package -DskipTests
Run:          python3 tools/matmul_ab.py --a redengine.sgemm.kernel=33 --b redengine.sgemm.kernel=44 \\
                  [--rounds 8] [--shapes 1024x1024x1024,4096x768x2048] [--trans NN] [--threads 1,2]
Shapes are m x k x n: op(A) [m, k], op(B) [k, n]. GFLOP/s = 2*m*n*k / seconds / 1e9 (best of --reps per round).
"""
import argparse
import statistics

from matmul_vs_openblas import DEFAULT_JAR, run_ours


def run(args, props):
    """MatmulTimer's results for one configuration: the OpenBLAS script's launcher, with props as its -D list."""
    return run_ours(argparse.Namespace(**vars(args), jvm_prop=props), args.threads)["results"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", action="append", default=[], help="a -D property of configuration A (repeatable)")
    ap.add_argument("--b", action="append", default=[], help="a -D property of configuration B (repeatable)")
    ap.add_argument("--shapes", default="1024x1024x1024,2048x2048x2048,4096x768x2048")
    ap.add_argument("--trans", default="NN")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--warmup-ms", type=int, default=500)
    ap.add_argument("--jar", default=DEFAULT_JAR)
    args = ap.parse_args()

    gflops = {}  # (m, k, n, trans, threads) -> {"A": [...], "B": [...]}
    for rnd in range(args.rounds):
        order = ("A", "B") if rnd % 2 == 0 else ("B", "A")
        for side in order:
            for r in run(args, args.a if side == "A" else args.b):
                key = (r["m"], r["k"], r["n"], r["trans"], r["threads"])
                gflops.setdefault(key, {"A": [], "B": []})[side].append(r["gflops_best"])
        print(f"round {rnd + 1}/{args.rounds} done ({' then '.join(order)})", flush=True)

    print()
    print(f"A: {' '.join(args.a) or '(defaults)'}")
    print(f"B: {' '.join(args.b) or '(defaults)'}")
    print(f"{'shape m x k x n':>16} {'tr':>3} {'thr':>3} {'A GF/s':>7} {'B GF/s':>7} {'B/A':>5}  per-round B/A")
    for key in sorted(gflops, key=lambda x: (x[4], x[0] * x[1] * x[2], x[3])):
        m, k, n, tr, t = key
        a, b = gflops[key]["A"], gflops[key]["B"]
        ratios = [y / x for x, y in zip(a, b)]
        print(f"{f'{m}x{k}x{n}':>16} {tr:>3} {t:>3} {statistics.median(a):7.1f} {statistics.median(b):7.1f} "
              f"{statistics.median(ratios):5.2f}  " + " ".join(f"{q:.2f}" for q in ratios))
    print()
    print("GFLOP/s: median over rounds of the best-of-reps per round; B/A: median of the per-round ratios.")


if __name__ == "__main__":
    main()
