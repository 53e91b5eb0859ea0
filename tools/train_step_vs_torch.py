#!/usr/bin/env python3
"""Side-by-side training step: red-engine (dev.redengine.bench.TrainStepTimer) vs PyTorch on the CPU.

What is compared: one training step of the benchmarks' 10M Llama (benchmarks/.../bench/TrainStep.java: hidden
256, 8 layers, 8 heads, 4 KV heads, head_dim 32, FFN 704, vocab 8192, untied LM head, RoPE theta 10000, RMSNorm
eps 1e-5, random weights N(0, 0.02)) on B x T random token ids: forward, mean causal-LM cross-entropy (position t
predicts t + 1, B x (T - 1) targets), backward; no optimizer. Gradients are cleared before each step, outside the
timed part (ours: zeroGradients; PyTorch: zero_grad(set_to_none=True), so autograd writes fresh gradients instead
of accumulating into old ones, its cheaper path). PyTorch's model is written here in plain torch, as HF's
LlamaForCausalLM computes it in eager mode (RMSNorm, RoPE rotate_half, grouped-query causal attention as explicit
matmul + mask + float32 softmax + matmul, SwiGLU MLP): transformers is not installed, and PyTorch 1.13 has no
scaled_dot_product_attention. Both sides print their loss per round (about ln 8192 = 9.01 at this init).

How: both sides run as workers that build the model, warm up and then stay up, timing --steps steps per request,
so every round is timed warm. Each round asks one side then the other (order swapped every round); each side's
round gives tokens/s = B*T / median step time of that round. The summary gives, per thread count, the median over
rounds of each side's tokens/s, the median of the per-round ratios ours/torch, and each side's best step.
PyTorch gets torch.set_num_threads(t) and OMP/OPENBLAS/MKL_NUM_THREADS = t; ours CpuBackend(t).

PyTorch's OpenMP threads spin-wait between parallel regions by default (so do OpenBLAS's). On a shared host
whose cores are taken by other processes that collapses: on 2 busy cores (load ~10, December 2026) torch's
2-thread step ran at ~100 tokens/s by default and ~360 with --torch-env OMP_WAIT_POLICY=PASSIVE (ours blocks
instead of spinning; see Parallel). Report which one you ran.

Install PyTorch (Debian's, for Debian's own Python; libopenblas0-pthread so that torch does not run on the
reference BLAS):  apt-get install python3-torch libopenblas0-pthread
Build ours:       mvn -B -q package -DskipTests
Run:              python3 tools/train_step_vs_torch.py [--batch 4] [--seq 256] [--threads 1,2] [--rounds 5]
                      [--steps 3] [--torch-python /usr/bin/python3] [--jar benchmarks/target/benchmarks.jar]
This script itself needs only the standard library; the PyTorch worker runs under --torch-python.
tools/train_step_ab.py compares two builds of red-engine the same way.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from time import perf_counter_ns as time_ns

from matmul_vs_openblas import DEFAULT_JAR, java_cmd, numpy_env

# The model of benchmarks/src/main/java/dev/redengine/bench/TrainStep.java (config10M).
CONFIG = dict(hidden=256, layers=8, heads=8, kv_heads=4, head_dim=32, ffn=704, vocab=8192, eps=1e-5, theta=10000.0)
TIMER = "dev.redengine.bench.TrainStepTimer"


class Worker:
    """A subprocess that prints one JSON line {"ready": true, ...} when set up, then answers each line "S" on its
    stdin (a step count) with one JSON line of timings. stderr goes to a file, shown if the worker fails."""

    def __init__(self, name, cmd, env=None):
        self.name = name
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, env=env,
                                     text=True, bufsize=1)
        self.info = None

    def _line(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                self.err.seek(0)
                tail = self.err.read()[-4000:]
                raise RuntimeError(f"{self.name} worker ended (exit {self.proc.returncode}); its stderr:\n{tail}")
            if line.startswith("{"):
                return json.loads(line)

    def ready(self):
        if self.info is None:
            self.info = self._line()
        return self.info

    def run(self, steps):
        self.proc.stdin.write(f"{steps}\n")
        self.proc.stdin.flush()
        return self._line()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        self.err.close()


def ours_worker(name, jar, threads, batch, seq, warmup_steps, props=()):
    """TrainStepTimer serving rounds on stdin, with jar first on the class path and this checkout's benchmarks jar
    after it: every class jar holds comes from jar, so a jar built before TrainStepTimer existed still runs (its
    engine and TrainStep, timed by this checkout's TrainStepTimer)."""
    classpath = jar if os.path.abspath(jar) == os.path.abspath(DEFAULT_JAR) else jar + os.pathsep + DEFAULT_JAR
    cmd = java_cmd(classpath, props, TIMER) + ["--batch", str(batch), "--seq", str(seq), "--threads", str(threads),
                                               "--warmup-steps", str(warmup_steps)]
    return Worker(name, cmd)


def interleave(workers, rounds, steps, label=""):
    """Rounds over workers (a list), each round in turn from a different first worker. Returns
    {name: [round result, ...]}."""
    results = {w.name: [] for w in workers}
    for w in workers:
        w.ready()
    for rnd in range(rounds):
        k = rnd % len(workers)
        order = workers[k:] + workers[:k]
        for w in order:
            results[w.name].append(w.run(steps))
        print(f"round {rnd + 1}/{rounds}{label} done ({' then '.join(w.name for w in order)}): "
              + ", ".join(f"{w.name} {results[w.name][-1]['tokens_per_s']:.0f} tok/s" for w in workers), flush=True)
    return results


def summarize(results, a, b):
    """{tokens/s medians, per-round ratios b/a, best} of two sides' round results."""
    ta = [r["tokens_per_s"] for r in results[a]]
    tb = [r["tokens_per_s"] for r in results[b]]
    ratios = [y / x for x, y in zip(ta, tb)]
    best_a = max(r["tokens_per_s_best"] for r in results[a])
    best_b = max(r["tokens_per_s_best"] for r in results[b])
    return dict(a=statistics.median(ta), b=statistics.median(tb), ratio=statistics.median(ratios), ratios=ratios,
                best_a=best_a, best_b=best_b, loss_a=results[a][-1]["loss"], loss_b=results[b][-1]["loss"])


# ---------------------------------------------------------------- PyTorch side (runs under --torch-python)

def torch_worker(args):
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError as e:
        sys.exit(f"error: {sys.executable} cannot import torch ({e}); install Debian's: "
                 "apt-get install python3-torch libopenblas0-pthread, and run it with /usr/bin/python3")
    torch.set_num_threads(args.threads_one)
    c = CONFIG
    d, heads, kv, hd, ffn, vocab = c["hidden"], c["heads"], c["kv_heads"], c["head_dim"], c["ffn"], c["vocab"]

    class RMSNorm(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(n))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + c["eps"]) * self.weight

    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
        return torch.cat((-x2, x1), dim=-1)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_layernorm = RMSNorm(d)
            self.q_proj = nn.Linear(d, heads * hd, bias=False)
            self.k_proj = nn.Linear(d, kv * hd, bias=False)
            self.v_proj = nn.Linear(d, kv * hd, bias=False)
            self.o_proj = nn.Linear(heads * hd, d, bias=False)
            self.post_attention_layernorm = RMSNorm(d)
            self.gate_proj = nn.Linear(d, ffn, bias=False)
            self.up_proj = nn.Linear(d, ffn, bias=False)
            self.down_proj = nn.Linear(ffn, d, bias=False)

        def forward(self, x, cos, sin, mask):
            b, t, _ = x.shape
            h = self.input_layernorm(x)
            q = self.q_proj(h).view(b, t, heads, hd).transpose(1, 2)
            k = self.k_proj(h).view(b, t, kv, hd).transpose(1, 2)
            v = self.v_proj(h).view(b, t, kv, hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(heads // kv, dim=1)  # HF repeat_kv: query head i reads KV head i // (H / KV)
            v = v.repeat_interleave(heads // kv, dim=1)
            scores = torch.matmul(q, k.transpose(2, 3)) * (hd ** -0.5) + mask
            probs = F.softmax(scores, dim=-1, dtype=torch.float32)
            o = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, heads * hd)
            x = x + self.o_proj(o)
            h = self.post_attention_layernorm(x)
            return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))

    class Llama(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed_tokens = nn.Embedding(vocab, d)
            self.layers = nn.ModuleList(Block() for _ in range(c["layers"]))
            self.norm = RMSNorm(d)
            self.lm_head = nn.Linear(d, vocab, bias=False)

        def forward(self, ids, cos, sin, mask):
            x = self.embed_tokens(ids)
            for layer in self.layers:
                x = layer(x, cos, sin, mask)
            return self.lm_head(self.norm(x))

    torch.manual_seed(0)
    model = Llama()
    with torch.no_grad():  # as RandomInit.parameters: matrices N(0, 0.02^2), norm gains 1 + N(0, 0.1^2)
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, 0.02)
    b, t = args.batch, args.seq
    inv = 1.0 / (c["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((t, t), float("-inf")).triu(1)
    ids = torch.randint(0, vocab, (b, t), generator=torch.Generator().manual_seed(7))
    targets = torch.cat((ids[:, 1:], torch.full((b, 1), -100)), dim=1).reshape(-1)

    def step():
        model.zero_grad(set_to_none=True)
        t0 = time_ns()
        logits = model(ids, cos, sin, mask)
        loss = F.cross_entropy(logits.view(-1, vocab), targets, ignore_index=-100)
        loss.backward()
        return (time_ns() - t0) / 1e9, loss.item()

    for _ in range(args.warmup_steps):
        step()
    blas = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if len(ln.split()) >= 6
                   and any(k in os.path.basename(ln.split()[-1]) for k in ("blas", "lapack", "mkl", "dnnl", "gomp"))})
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"ready": True, "torch": torch.__version__, "python": sys.version.split()[0],
                      "threads": torch.get_num_threads(), "params": params, "libraries": blas,
                      "mkldnn": torch.backends.mkldnn.is_available()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        times, loss = [], math.nan
        for _ in range(max(1, int(line))):
            dt, loss = step()
            times.append(dt)
        med = statistics.median(times)
        print(json.dumps({"times_s": times, "median_s": med, "tokens_per_s": b * t / med,
                          "tokens_per_s_best": b * t / min(times), "loss": loss}), flush=True)


def torch_worker_proc(args, threads):
    cmd = [args.torch_python, os.path.abspath(__file__), "--torch-worker", "--threads-one", str(threads),
           "--batch", str(args.batch), "--seq", str(args.seq), "--warmup-steps", str(args.warmup_steps)]
    env = numpy_env(threads)
    env.update(v.split("=", 1) for v in args.torch_env)
    return Worker("torch", cmd, env=env)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--threads", default="1,2", help="thread counts, each compared on its own")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3, help="timed steps per side per round (their median counts)")
    ap.add_argument("--warmup-steps", type=int, default=2)
    ap.add_argument("--jar", default=DEFAULT_JAR)
    ap.add_argument("--jvm-prop", action="append", default=[], help="extra -D for our JVM")
    ap.add_argument("--torch-python", default="/usr/bin/python3", help="the Python that has torch (Debian's)")
    ap.add_argument("--torch-env", action="append", default=[],
                    help="VAR=VALUE for the PyTorch worker's environment, e.g. OMP_WAIT_POLICY=PASSIVE (repeatable)")
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads-one", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_worker:
        torch_worker(args)
        return

    rows = []
    for t in (int(x) for x in args.threads.split(",")):
        workers = [ours_worker("ours", args.jar, t, args.batch, args.seq, args.warmup_steps, args.jvm_prop),
                   torch_worker_proc(args, t)]
        try:
            for w in workers:
                print(f"{w.name} (threads={t}):", json.dumps(w.ready()), flush=True)
            res = interleave(workers if t % 2 else workers[::-1], args.rounds, args.steps, f" threads={t}")
        finally:
            for w in workers:
                w.close()
        rows.append((t, summarize(res, "torch", "ours")))

    print()
    print(f"Llama 10M train step (forward + loss + backward), B={args.batch} T={args.seq} "
          f"({args.batch * args.seq} tokens), {args.rounds} rounds x {args.steps} steps")
    print(f"{'thr':>3} {'ours tok/s':>10} {'torch tok/s':>11} {'ours/torch':>10} {'ours best':>9} "
          f"{'torch best':>10} {'best ratio':>10} {'loss ours':>9} {'loss torch':>10}  per-round ratios")
    for t, s in rows:
        print(f"{t:>3} {s['b']:10.0f} {s['a']:11.0f} {s['ratio']:10.2f} {s['best_b']:9.0f} {s['best_a']:10.0f} "
              f"{s['best_b'] / s['best_a']:10.2f} {s['loss_b']:9.4f} {s['loss_a']:10.4f}  "
              + " ".join(f"{r:.2f}" for r in s["ratios"]))
    print()
    print("tok/s: median over rounds of B*T / (median step of the round); ours/torch: median of the per-round ratios;"
          " best: each side's fastest step over all rounds.")


if __name__ == "__main__":
    main()
