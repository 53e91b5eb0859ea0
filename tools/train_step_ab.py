#!/usr/bin/env python3
"""A/B of red-engine's training step: two builds (jars) and/or two JVM configurations, interleaved in one run.

The step is the benchmarks' 10M Llama at B x T (forward, mean cross-entropy, backward; see
tools/train_step_vs_torch.py, whose workers this reuses). Each side is one TrainStepTimer JVM that stays up for
the whole run; every round times --steps steps on each side, in swapped order every round, and gives one ratio
B/A of tokens/s (B*T / median step of the round). The median of those paired ratios is robust to the host's slow
phases. Save the old build's jar before rebuilding, e.g.:

  cp benchmarks/target/benchmarks.jar /tmp/old-benchmarks.jar   # before the change
  mvn -B -q package -DskipTests                                  # after it
  python3 tools/train_step_ab.py --jar-a /tmp/old-benchmarks.jar [--jar-b benchmarks/target/benchmarks.jar]
      [--a PROP=V] [--b PROP=V] [--threads 1,2] [--batch 4] [--seq 256] [--rounds 6] [--steps 3]
"""
import argparse
import json
import os

from matmul_vs_openblas import DEFAULT_JAR
from train_step_vs_torch import interleave, ours_worker, summarize


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar-a", default=DEFAULT_JAR, help="benchmarks.jar of build A (default: this checkout's)")
    ap.add_argument("--jar-b", default=DEFAULT_JAR, help="benchmarks.jar of build B (default: this checkout's)")
    ap.add_argument("--a", action="append", default=[], help="a -D property for A's JVM (repeatable)")
    ap.add_argument("--b", action="append", default=[], help="a -D property for B's JVM (repeatable)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup-steps", type=int, default=2)
    args = ap.parse_args()
    for jar in (args.jar_a, args.jar_b):
        if not os.path.isfile(jar):
            ap.error(f"no jar at {jar} (build with mvn -B -q package -DskipTests)")

    rows = []
    for t in (int(x) for x in args.threads.split(",")):
        workers = [ours_worker("A", args.jar_a, t, args.batch, args.seq, args.warmup_steps, args.a),
                   ours_worker("B", args.jar_b, t, args.batch, args.seq, args.warmup_steps, args.b)]
        try:
            for w in workers:
                print(f"{w.name} (threads={t}):", json.dumps(w.ready()), flush=True)
            res = interleave(workers, args.rounds, args.steps, f" threads={t}")
        finally:
            for w in workers:
                w.close()
        rows.append((t, summarize(res, "A", "B")))

    print()
    print(f"A: {args.jar_a} {' '.join(args.a)}")
    print(f"B: {args.jar_b} {' '.join(args.b)}")
    print(f"Llama 10M train step, B={args.batch} T={args.seq} ({args.batch * args.seq} tokens), "
          f"{args.rounds} rounds x {args.steps} steps")
    print(f"{'thr':>3} {'A tok/s':>8} {'B tok/s':>8} {'B/A':>5} {'A best':>7} {'B best':>7} {'loss A':>7} {'loss B':>7}"
          "  per-round B/A")
    for t, s in rows:
        print(f"{t:>3} {s['a']:8.0f} {s['b']:8.0f} {s['ratio']:5.2f} {s['best_a']:7.0f} {s['best_b']:7.0f} "
              f"{s['loss_a']:7.4f} {s['loss_b']:7.4f}  " + " ".join(f"{r:.2f}" for r in s["ratios"]))
    print()
    print("tok/s: median over rounds of B*T / (median step of the round); B/A: median of the per-round ratios.")


if __name__ == "__main__":
    main()
