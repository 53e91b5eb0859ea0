#!/usr/bin/env python3
"""Side-by-side SGEMM throughput: red-engine's Sgemm (via dev.redengine.bench.MatmulTimer) vs numpy/OpenBLAS.

Both run at the same sizes in ONE invocation, interleaved: every round runs, for each thread count, one JVM
(ours) and one numpy subprocess (OPENBLAS_NUM_THREADS=t, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset), in
alternating order. Each side reports the best of --reps calls per round (after warm-up); the summary gives the
median over rounds of each side's GFLOP/s and the median over rounds of the per-round ratio ours/numpy, and
next to them each side's best call over all rounds (its speed on the quietest host it saw) and their ratio.

Shapes are m x k x n: op(A) [m, k], op(B) [k, n], C [m, n]; GFLOP/s = 2*m*n*k / seconds / 1e9.
Transposes: NN (A @ B), NT (A @ W.T with W stored [n, k]), TN (G.T @ X with G stored [k, m]).

Build first:  mvn -q -B -pl java-engine,benchmarks package -DskipTests
Run:          python3 tools/matmul_vs_openblas.py [--rounds 5] [--threads 1,2] [--trans NN,NT,TN]
                  [--shapes 1024x1024x1024,2048x2048x2048,4096x768x2048]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_JAR = os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar")
DEFAULT_JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"


def parse_shape(s):
    m, k, n = (int(x) for x in s.lower().split("x"))
    return m, k, n


def numpy_env(threads):
    env = dict(os.environ)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def openblas_info():
    """What the numpy worker's OpenBLAS reports: threadpoolctl if installed, else the bundled library's own
    get_config/get_corename (scipy-openblas symbols)."""
    import numpy as np
    info = {"numpy": np.__version__}
    try:
        import threadpoolctl
        info["threadpoolctl"] = [
            {k: v for k, v in d.items() if k in ("internal_api", "version", "num_threads", "threading_layer",
                                                   "architecture", "filepath")}
            for d in threadpoolctl.threadpool_info()]
    except ImportError:
        info["threadpoolctl"] = "not installed"
        import ctypes
        import glob
        libdir = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs")
        for lib in glob.glob(os.path.join(libdir, "*openblas*.so*")):
            try:
                handle = ctypes.CDLL(lib)
            except OSError:
                continue
            for key, names in (("config", ("scipy_openblas_get_config64_", "openblas_get_config64_",
                                           "openblas_get_config")),
                               ("corename", ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                                             "openblas_get_corename")),
                               ("num_threads", ("scipy_openblas_get_num_threads64_",
                                                "openblas_get_num_threads64_", "openblas_get_num_threads"))):
                for name in names:
                    fn = getattr(handle, name, None)
                    if fn is not None:
                        if key != "num_threads":
                            fn.restype = ctypes.c_char_p
                            info[key] = fn().decode()
                        else:
                            fn.restype = ctypes.c_int
                            info[key] = fn()
                        break
            info["library"] = os.path.basename(lib)
    return info


def numpy_worker(args):
    import numpy as np
    rng = np.random.default_rng(0)
    results = []
    for shape in args.shapes.split(","):
        m, k, n = parse_shape(shape)
        for trans in args.trans.split(","):
            ta, tb = trans[0] == "T", trans[1] == "T"
            a = (rng.random((k, m) if ta else (m, k), dtype=np.float32) * 2 - 1)
            b = (rng.random((n, k) if tb else (k, n), dtype=np.float32) * 2 - 1)
            opa = a.T if ta else a
            opb = b.T if tb else b
            out = np.empty((m, n), dtype=np.float32)
            end = time.perf_counter() + args.warmup_ms / 1000
            calls = 0
            while time.perf_counter() < end or calls < 2:
                np.matmul(opa, opb, out=out)
                calls += 1
            times = []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                np.matmul(opa, opb, out=out)
                times.append(time.perf_counter() - t0)
            flop = 2.0 * m * n * k
            results.append({"m": m, "k": k, "n": n, "trans": trans, "threads": args.threads_one,
                            "times_s": times, "gflops_best": flop / min(times) / 1e9,
                            "gflops_median": flop / statistics.median(times) / 1e9})
    print(json.dumps({"results": results, "openblas": openblas_info()}))


def run_numpy(args, threads):
    cmd = [sys.executable, os.path.abspath(__file__), "--numpy-worker", "--threads-one", str(threads),
           "--shapes", args.shapes, "--trans", args.trans, "--reps", str(args.reps),
           "--warmup-ms", str(args.warmup_ms)]
    out = subprocess.run(cmd, env=numpy_env(threads), check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def java_cmd(jar, props=(), main_class=None):
    """The JDK 25 launcher ($JAVA_HOME, else DEFAULT_JAVA_HOME) with the Vector API module and native access,
    -D for each of props, the jar on the class path and main_class."""
    java = os.path.join(os.environ.get("JAVA_HOME", DEFAULT_JAVA_HOME), "bin", "java")
    cmd = [java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"]
    cmd += [f"-D{p}" for p in props]
    return cmd + ["-cp", jar] + ([main_class] if main_class else [])


def run_ours(args, threads):
    cmd = java_cmd(args.jar, args.jvm_prop, "dev.redengine.bench.MatmulTimer")
    cmd += ["--shapes", args.shapes, "--trans", args.trans,
            "--threads", str(threads), "--reps", str(args.reps), "--warmup-ms", str(args.warmup_ms)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def key(r):
    return (r["m"], r["k"], r["n"], r["trans"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="512x512x512,1024x1024x1024,2048x2048x2048,4096x768x2048")
    ap.add_argument("--trans", default="NN,NT,TN")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=8,
                    help="timed calls per configuration per round (best is kept; enough of them to step over the "
                         "host's slow phases, which last from a few calls to a second)")
    ap.add_argument("--warmup-ms", type=int, default=800)
    ap.add_argument("--jar", default=DEFAULT_JAR)
    ap.add_argument("--jvm-prop", action="append", default=[], help="extra -D for our JVM, e.g. redengine.sgemm.kc=512")
    ap.add_argument("--numpy-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads-one", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.numpy_worker:
        numpy_worker(args)
        return

    threads = [int(t) for t in args.threads.split(",")]
    ours = {}   # (m, k, n, trans, threads) -> [gflops per round]
    theirs = {}
    ratios = {}
    printed_info = False
    for rnd in range(args.rounds):
        for t in threads:
            order = ("ours", "numpy") if (rnd + t) % 2 == 0 else ("numpy", "ours")
            res = {}
            for side in order:
                res[side] = run_ours(args, t) if side == "ours" else run_numpy(args, t)
            if not printed_info:
                info = res["numpy"]["openblas"]
                print("numpy/OpenBLAS:", json.dumps(info))
                for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
                    print(f"  {var} in this environment: {os.environ.get(var, '(unset)')} (unset for numpy runs)")
                first = res["ours"]["results"][0]
                print(f"ours: Sgemm register tile {first.get('tile', '?')}, blocking kc:mc:nc {first.get('blocking', '?')}")
                printed_info = True
            theirs_by_key = {key(r): r for r in res["numpy"]["results"]}
            for r in res["ours"]["results"]:
                kk = key(r) + (t,)
                o, np_ = r["gflops_best"], theirs_by_key[key(r)]["gflops_best"]
                ours.setdefault(kk, []).append(o)
                theirs.setdefault(kk, []).append(np_)
                ratios.setdefault(kk, []).append(o / np_)
            print(f"round {rnd + 1}/{args.rounds} threads={t} done ({' then '.join(order)})", flush=True)

    print()
    print(f"{'shape m x k x n':>16} {'tr':>3} {'thr':>3} {'ours GF/s':>10} {'numpy GF/s':>11} "
          f"{'ratio':>6} {'ours max':>9} {'numpy max':>10} {'max ratio':>9}  {'per-round ratios'}")
    for kk in sorted(ours, key=lambda x: (x[4], x[0] * x[1] * x[2], x[3])):
        m, k, n, tr, t = kk
        print(f"{f'{m}x{k}x{n}':>16} {tr:>3} {t:>3} {statistics.median(ours[kk]):10.1f} "
              f"{statistics.median(theirs[kk]):11.1f} {statistics.median(ratios[kk]):6.2f} "
              f"{max(ours[kk]):9.1f} {max(theirs[kk]):10.1f} {max(ours[kk]) / max(theirs[kk]):9.2f}  "
              + " ".join(f"{x:.2f}" for x in ratios[kk]))
    print()
    print("GFLOP/s: median over rounds of the best-of-reps per round; ratio: median over rounds of ours/numpy.")
    print("max: the best call over all rounds, each side's speed on the quietest host it saw; max ratio: ours/numpy"
          " of those.")


if __name__ == "__main__":
    main()
