#!/usr/bin/env python3
"""Writes a small multi-step arithmetic corpus as .jsonl ({"text": ...} per line) for training tiny models.

Each document is a chain of additions and subtractions whose answer needs the intermediate results, written out
step by step, e.g.  "Q: 23+45-12=? A: 23+45=68. 68-12=56. So 56."  Deterministic for a given --seed.

Usage: tools/make_arith_corpus.py OUT.jsonl [--docs 3000] [--steps 2] [--max 99] [--seed 0]
"""
import argparse
import json
import random


def problem(rng, steps, hi):
    terms = [rng.randint(1, hi)]
    ops = []
    for _ in range(steps):
        ops.append(rng.choice("+-"))
        terms.append(rng.randint(1, hi))
    question = str(terms[0]) + "".join(o + str(t) for o, t in zip(ops, terms[1:]))
    value, work = terms[0], []
    for o, t in zip(ops, terms[1:]):
        new = value + t if o == "+" else value - t
        work.append(f"{value}{o}{t}={new}.")
        value = new
    return f"Q: {question}=? A: {' '.join(work)} So {value}."


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--docs", type=int, default=3000)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--max", type=int, default=99)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = random.Random(a.seed)
    with open(a.out, "w") as f:
        for _ in range(a.docs):
            f.write(json.dumps({"text": problem(rng, a.steps, a.max)}) + "\n")
    print(f"wrote {a.out}: {a.docs} documents")


if __name__ == "__main__":
    main()
