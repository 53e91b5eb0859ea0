#!/usr/bin/env python3
"""Time numpy's equivalent of red-engine's CPU RED eRank (ErankBenchmark.redErank) on this machine.

For a batch of float32 matrices [N, d] (default 24 x [1024 x 768], the size compared with torch on an H100):
centre columns and L2-normalise rows in float64, Gram = Z^T Z (or Z Z^T when N < d), np.linalg.eigvalsh,
exp(entropy). Also reports the Gram step alone. Same random distribution as the JMH benchmark (standard
normal), not the same numbers.

    python3 tools/erank_vs_numpy.py [--n 1024] [--d 768] [--batch 24] [--repeats 3]
"""
import argparse
import os
import time

import numpy as np


def prepare_red(x):
    z = x.astype(np.float64)
    z -= z.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    keep = norms[:, 0] > 1e-12 * np.linalg.norm(x.astype(np.float64), axis=1).max()
    return z[keep] / norms[keep]


def gram(z):
    return z.T @ z if z.shape[0] >= z.shape[1] else z @ z.T


def erank_from_eigs(lam):
    lam = np.where(lam <= lam.size * np.finfo(np.float64).eps * lam.max(), 0.0, lam)
    r = lam[lam > 0] / lam.sum()
    return float(np.exp(-(r * np.log(r)).sum()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(42)
    xs = [rng.standard_normal((a.n, a.d)).astype(np.float32) for _ in range(a.batch)]
    print(f"numpy {np.__version__}, {os.cpu_count()} cpus, batch {a.batch} x [{a.n} x {a.d}]")
    try:
        from numpy import show_config  # noqa: F401
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        print(f"BLAS: {blas.get('name')} {blas.get('version')}")
    except Exception:  # older numpy
        pass

    def run_full():
        return [erank_from_eigs(np.linalg.eigvalsh(gram(prepare_red(x)))) for x in xs]

    def run_gram():
        return [gram(prepare_red(x))[0, 0] for x in xs]

    for name, fn in (("red_erank (prepare + Gram + eigvalsh)", run_full), ("gram_only (prepare + Gram)", run_gram)):
        fn()  # warm-up
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - t0) * 1e3)
        print(f"{name}: mean {np.mean(times):.1f} ms, min {np.min(times):.1f} ms over {a.repeats} "
              f"(first eRank {out[0]:.6f})" if name.startswith("red") else
              f"{name}: mean {np.mean(times):.1f} ms, min {np.min(times):.1f} ms over {a.repeats}")


if __name__ == "__main__":
    main()
