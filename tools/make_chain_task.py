#!/usr/bin/env python3
"""Writes the variable-binding chain task of controllable depth as .jsonl, the twin of red-engine's Java
dev.redengine.eval.ChainTask: the same seed gives the same text, draw for draw (SplitMix64, same order).

Depth d = a constant and d derived statements, each reading the previous chain variable; +k and -k modulo 10
(k in 1..9), so changing the constant of any chain statement changes the answer.
Distractors assign other variables (from a constant or any variable already defined) and are never read.
E.g. depth 2, 1 distractor:  a=3;b=a+4;x=5;c=b-9;c=?  -> 8

Each line: {"text": prompt + answer, "prompt": ..., "answer": ..., "depth": d}. Problem i of depth d is
generated from the i-th draw of SplitMix64(seed + d) (eval --task chain uses the same seeds).

Training aid, --queries K (K > 1): each line's "text" goes on after the answer with K - 1 more queries
"v=?x" of other variables of the same program, each at most once (--queries 26: all of them) (drawn from a second generator seeded by the problem's seed, so the
problem itself, "prompt" and "answer" are unchanged), e.g. "a=3;b=a+4;x=5;c=b-9;c=?8;b=?7;x=?5". An intermediate
chain variable is a shallower sub-problem, so a model sees an answer every few tokens instead of one per program;
evaluation (eval --task chain) asks the one query of the prompt only.

Usage: tools/make_chain_task.py OUT.jsonl [--depths 1-8] [--n 100] [--distractors 2] [--shuffle] [--seed 0]
                                [--queries 1] [--max-step 9]

--max-step S draws k from 1..S (default 9). With 9 the answer is independent of each single statement, a target a
small model does not learn on a CPU budget; models/chain-teacher is trained with --max-step 3.
"""
import argparse
import json

MASK = (1 << 64) - 1
MODULUS = 10


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n


def shuffle(rng, a):
    for i in range(len(a) - 1, 0, -1):
        j = rng.below(i + 1)
        a[i], a[j] = a[j], a[i]


MAX_STEP = 9  # --max-step: k is drawn from 1..MAX_STEP


def op(rng):
    symbol = "+" if rng.below(2) == 0 else "-"
    return symbol, 1 + rng.below(MAX_STEP)


def apply(o, x):
    s, k = o
    return (x + k) % MODULUS if s == "+" else (x - k) % MODULUS


def problem(seed, depth, distractors, shuffled):
    prompt, answer, _ = program(seed, depth, distractors, shuffled)
    return prompt, answer


def program(seed, depth, distractors, shuffled):
    """(prompt, answer, {variable: value} of every statement)."""
    if not 1 <= depth <= 20 or depth + 1 + distractors > 26:
        raise ValueError(f"depth {depth} with {distractors} distractors is out of range")
    rng = SplitMix64(seed)
    letters = list("abcdefghijklmnopqrstuvwxyz")
    shuffle(rng, letters)
    kinds = [True] * (depth + 1) + [False] * distractors
    shuffle(rng, kinds)
    statements, defined, values = [], "", {}
    step, next_distractor, value = 0, depth + 1, 0
    for chain in kinds:
        if chain:
            v = letters[step]
            if step == 0:
                value = rng.below(MODULUS)
                rhs = str(value)
            else:
                o = op(rng)
                value = apply(o, value)
                rhs = letters[step - 1] + o[0] + str(o[1])
            values[v] = value
            step += 1
        else:
            v = letters[next_distractor]
            next_distractor += 1
            if not defined or rng.below(2) == 0:
                values[v] = rng.below(MODULUS)
                rhs = str(values[v])
            else:
                src = defined[rng.below(len(defined))]
                o = op(rng)
                values[v] = apply(o, values[src])
                rhs = src + o[0] + str(o[1])
        defined += v
        statements.append(v + "=" + rhs)
    if shuffled:
        shuffle(rng, statements)
    return ";".join(statements) + ";" + letters[depth] + "=?", str(value), values


QUERY_SALT = 0x5175657279  # "Query": the extra queries' generator differs from the problem's


def extra_queries(seed, depth, distractors, shuffled, k):
    """The text after the answer: queries ";v=?x" of min(k - 1, all) other variables of problem(seed, ...), each
    once, in a random order."""
    prompt, _, values = program(seed, depth, distractors, shuffled)
    asked = prompt[-3]  # the prompt ends "v=?"
    rng = SplitMix64(seed ^ QUERY_SALT)
    names = sorted(v for v in values if v != asked)
    shuffle(rng, names)
    return "".join(";" + v + "=?" + str(values[v]) for v in names[:k - 1])

def problems(seed, depth, n, distractors, shuffled, queries=1):
    """n (prompt, answer, text) of one depth; text = prompt + answer (+ the extra queries)."""
    seeds = SplitMix64(seed + depth)
    out = []
    for _ in range(n):
        s = seeds.next()
        prompt, answer = problem(s, depth, distractors, shuffled)
        extra = extra_queries(s, depth, distractors, shuffled, queries) if queries > 1 else ""
        out.append((prompt, answer, prompt + answer + extra))
    return out


def depth_range(text):
    lo, _, hi = text.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--depths", default="1-8")
    p.add_argument("--n", type=int, default=100, help="problems per depth")
    p.add_argument("--distractors", type=int, default=2)
    p.add_argument("--shuffle", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--queries", type=int, default=1, help="queries per program in \"text\" (training aid, see above)")
    p.add_argument("--max-step", type=int, default=9, help="k of +k/-k is drawn from 1..MAX_STEP (ChainTask's maxStep)")
    a = p.parse_args()
    if a.queries < 1:
        p.error("--queries must be >= 1")
    if not 1 <= a.max_step <= 9:
        p.error("--max-step must be in [1, 9]")
    global MAX_STEP
    MAX_STEP = a.max_step
    count = 0
    with open(a.out, "w") as f:
        for d in depth_range(a.depths):
            for prompt, answer, text in problems(a.seed, d, a.n, a.distractors, a.shuffle, a.queries):
                f.write(json.dumps({"text": text, "prompt": prompt, "answer": answer, "depth": d}) + "\n")
                count += 1
    print(f"wrote {a.out}: {count} problems")


if __name__ == "__main__":
    main()
