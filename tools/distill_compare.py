#!/usr/bin/env python3
"""Compare distillation runs from their metrics.jsonl: validation loss and eRank per hidden state over training.

  python3 tools/distill_compare.py red=/tmp/cmp/red random=/tmp/cmp/random minitron=/tmp/cmp/minitron [--every 100]

Each argument is NAME=DIR where DIR is a `distill --out` folder. Prints Markdown tables: the validation
cross-entropy (and KL to the teacher) at step 0, every --every steps and at the end; and the RED eRank of every
hidden state at the same steps, with the teacher's (measured once, at step 0) as the first row. Only the
standard library is needed.
"""
import argparse
import json
import os
import sys


def load(path):
    rows = []
    with open(os.path.join(path, "metrics.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def pick(rows, key, every):
    """The rows that carry key, at step 0, at multiples of every, and the last."""
    have = [r for r in rows if key in r]
    if not have:
        return []
    last = have[-1]["step"]
    return [r for r in have if r["step"] == 0 or r["step"] % every == 0 or r["step"] == last]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="NAME=DIR")
    ap.add_argument("--every", type=int, default=100)
    a = ap.parse_args()
    runs = []
    for spec in a.runs:
        if "=" not in spec:
            sys.exit(f"expected NAME=DIR, got {spec}")
        name, path = spec.split("=", 1)
        runs.append((name, load(path)))

    print("Validation cross-entropy (nats/token), and KL(teacher || student) at T = 1\n")
    steps = sorted({r["step"] for _, rows in runs for r in pick(rows, "val_ce", a.every)})
    print("| step | " + " | ".join(f"{n} val ce | {n} val kl" for n, _ in runs) + " |")
    print("| --- |" + " --- | --- |" * len(runs))
    for s in steps:
        cells = []
        for _, rows in runs:
            r = next((r for r in rows if r["step"] == s and "val_ce" in r), None)
            cells += [f"{r['val_ce']:.4f}", f"{r['val_kl']:.4f}"] if r else ["", ""]
        print(f"| {s} | " + " | ".join(cells) + " |")

    tce = next((r["teacher_val_ce"] for _, rows in runs for r in rows if "teacher_val_ce" in r), None)
    if tce is not None:
        print(f"\nThe teacher's validation cross-entropy: {tce:.4f}")
    print("\nRED eRank per hidden state (0 = embeddings, last = after the final norm)\n")
    teacher = next((r["teacher_erank"] for _, rows in runs for r in rows if "teacher_erank" in r), None)
    print("| model | step | eRank per hidden state |")
    print("| --- | --- | --- |")
    if teacher:
        print("| teacher | - | " + " / ".join(f"{x:.2f}" for x in teacher) + " |")
    for name, rows in runs:
        for r in pick(rows, "erank", a.every):
            print(f"| {name} | {r['step']} | " + " / ".join(f"{x:.2f}" for x in r["erank"]) + " |")


if __name__ == "__main__":
    main()
