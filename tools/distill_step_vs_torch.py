#!/usr/bin/env python3
"""Side-by-side distillation step: red-engine (dev.redengine.bench.DistillStepTimer) vs PyTorch on the CPU.

What is compared: one knowledge-distillation optimizer step (benchmarks/.../bench/DistillStep.java). The teacher
is the benchmarks' 10M Llama of train_step_vs_torch.py (hidden 256, 8 layers, 8 heads, 4 KV heads, head_dim 32,
FFN 704, vocab 8192, untied, random weights N(0, 0.02), norm gains 1 + N(0, 0.1)); the student has half its hidden
width (d' = 128; heads, head_dim and FFN kept). On B x T random token ids one step is
    teacher forward (frozen: torch.no_grad())  +  student forward
    loss = CE(student, next tokens)  +  T^2 KL(softmax(teacher / T) || softmax(student / T)), T = 2,
           CE a mean over the B x (T-1) predicted tokens, KL a mean over all B x T tokens
    backward  +  global-norm clip 1.0  +  AdamW (lr 1e-4, betas 0.9/0.95, eps 1e-8, weight decay 0.1 on matrices
                                                  only, as ours)
with one of two students (--student, both by default):
    all          the teacher hard-pruned to d' residual channels (ours: the largest-norm ones; here a fixed random
                 choice, which costs the same), every weight trainable (ours: FullStudent)
    projections  LRC / RED: the teacher's weights stay frozen; the trainable parameters are one orthogonal
                 projection P [d, d'] per weight type per layer (embedding and LM head too) and the d' residual
                 norm gains; every step computes the student's weights as W_teacher @ P (input side: q, k, v,
                 gate, up, embedding, LM head) or P^T @ W_teacher (output side: o, down), so autograd carries the
                 gradient back into P (ours: ProjectionStudent, fold + projection backward)
Everything is timed, gradient clearing and the loss read-back included (ours zeroes its gradients inside the
step too and reads the step's metrics back). PyTorch's Llama is written here functionally, as HF's
LlamaForCausalLM computes it in eager mode (RMSNorm, RoPE rotate_half, grouped-query causal attention as explicit
matmul + mask + float32 softmax + matmul, SwiGLU MLP), so that teacher, pruned student and projected student share
one forward over a dict of weights.

How: as train_step_vs_torch.py (whose workers, interleaving and summary this reuses): both sides stay up as
workers timing --steps steps per request; each round asks one side then the other, order swapped every round;
tokens/s = B*T / median step of the round; the summary gives per student and thread count the median over rounds
of each side's tokens/s and the median of the per-round ratios ours/torch. Mind OMP_WAIT_POLICY on a busy host
(see train_step_vs_torch.py): --torch-env OMP_WAIT_POLICY=PASSIVE.

Example (2 busy cores of an "Intel(R) Xeon(R) Processor" (lscpu), load from other jobs, 2 December 2026, JDK 25,
Debian's PyTorch 1.13 on OpenBLAS, OMP_WAIT_POLICY=PASSIVE):
    python3 tools/distill_step_vs_torch.py --threads 1,2 --rounds 3 --steps 2 --torch-env OMP_WAIT_POLICY=PASSIVE
    student     thr ours tok/s torch tok/s ours/torch ours best torch best loss ours loss torch  per-round ratios
    all           1        224         120       1.72       256        142    8.8285     8.8451  1.59 1.72 2.38
    all           2        206          89       2.63       244        132    8.8285     8.8451  1.54 3.10 2.63
    projections   1        202         115       1.74       259        147    8.9914     8.9986  1.48 1.81 1.74
    projections   2        215          97       1.82       244        163    8.9914     8.9986  1.82 2.45 1.65
(load average ~25 on the 2 cores during that run, so 2 threads bought neither side anything; read the ratios, and
rerun for figures of your own. The losses agree to ~0.02: same shapes and loss, different random weights.)

Build ours: mvn -B -q package -DskipTests. PyTorch: apt-get install python3-torch libopenblas0-pthread.
Run:        python3 tools/distill_step_vs_torch.py [--student all,projections] [--batch 4] [--seq 256]
                [--threads 1,2] [--rounds 3] [--steps 2] [--torch-python /usr/bin/python3] [--torch-env VAR=VALUE]
"""
import argparse
import json
import math
import os
import statistics
import sys
from time import perf_counter_ns as time_ns

from matmul_vs_openblas import DEFAULT_JAR, java_cmd, numpy_env
from train_step_vs_torch import CONFIG, Worker, interleave, summarize

TIMER = "dev.redengine.bench.DistillStepTimer"
TEMPERATURE = 2.0
LR, BETAS, EPS, WEIGHT_DECAY, CLIP = 1e-4, (0.9, 0.95), 1e-8, 0.1, 1.0
INPUT_SIDE = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj")
OUTPUT_SIDE = ("self_attn.o_proj", "mlp.down_proj")


def ours_worker(args, student, threads):
    cmd = java_cmd(args.jar, args.jvm_prop, TIMER) + ["--student", student, "--batch", str(args.batch),
                                                      "--seq", str(args.seq), "--threads", str(threads),
                                                      "--warmup-steps", str(args.warmup_steps)]
    return Worker("ours", cmd)


def torch_worker_proc(args, student, threads):
    cmd = [args.torch_python, os.path.abspath(__file__), "--torch-worker", "--student", student,
           "--threads-one", str(threads), "--batch", str(args.batch), "--seq", str(args.seq),
           "--warmup-steps", str(args.warmup_steps)]
    env = numpy_env(threads)
    env.update(v.split("=", 1) for v in args.torch_env)
    return Worker("torch", cmd, env=env)


# ---------------------------------------------------------------- PyTorch side (runs under --torch-python)

def torch_worker(args):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        sys.exit(f"error: {sys.executable} cannot import torch ({e}); install Debian's: "
                 "apt-get install python3-torch libopenblas0-pthread, and run it with /usr/bin/python3")
    torch.set_num_threads(args.threads_one)
    c = CONFIG
    d, heads, kv, hd, ffn, vocab, layers = (c["hidden"], c["heads"], c["kv_heads"], c["head_dim"], c["ffn"],
                                            c["vocab"], c["layers"])
    dp = d // 2
    b, t = args.batch, args.seq

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + c["eps"]) * w

    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
        return torch.cat((-x2, x1), dim=-1)

    inv = 1.0 / (c["theta"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((t, t), float("-inf")).triu(1)

    def forward(w, ids):
        """The Llama over a dict of HF-named weights ([out, in] layout); the width is the embedding's."""
        x = F.embedding(ids, w["model.embed_tokens.weight"])
        for l in range(layers):
            p = f"model.layers.{l}."
            h = rms(x, w[p + "input_layernorm.weight"])
            q = F.linear(h, w[p + "self_attn.q_proj.weight"]).view(b, t, heads, hd).transpose(1, 2)
            k = F.linear(h, w[p + "self_attn.k_proj.weight"]).view(b, t, kv, hd).transpose(1, 2)
            v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(b, t, kv, hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(heads // kv, dim=1)
            v = v.repeat_interleave(heads // kv, dim=1)
            scores = torch.matmul(q, k.transpose(2, 3)) * (hd ** -0.5) + mask
            probs = F.softmax(scores, dim=-1, dtype=torch.float32)
            o = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, heads * hd)
            x = x + F.linear(o, w[p + "self_attn.o_proj.weight"])
            h = rms(x, w[p + "post_attention_layernorm.weight"])
            g = F.linear(h, w[p + "mlp.gate_proj.weight"])
            u = F.linear(h, w[p + "mlp.up_proj.weight"])
            x = x + F.linear(F.silu(g) * u, w[p + "mlp.down_proj.weight"])
        return F.linear(rms(x, w["model.norm.weight"]), w["lm_head.weight"])

    # the teacher: as RandomInit.parameters (matrices N(0, 0.02^2), norm gains 1 + N(0, 0.1^2))
    torch.manual_seed(0)
    shapes = {"model.embed_tokens.weight": (vocab, d), "model.norm.weight": (d,), "lm_head.weight": (vocab, d)}
    for l in range(layers):
        p = f"model.layers.{l}."
        shapes.update({p + "input_layernorm.weight": (d,), p + "post_attention_layernorm.weight": (d,),
                       p + "self_attn.q_proj.weight": (heads * hd, d), p + "self_attn.k_proj.weight": (kv * hd, d),
                       p + "self_attn.v_proj.weight": (kv * hd, d), p + "self_attn.o_proj.weight": (d, heads * hd),
                       p + "mlp.gate_proj.weight": (ffn, d), p + "mlp.up_proj.weight": (ffn, d),
                       p + "mlp.down_proj.weight": (d, ffn)})
    teacher = {n: (1 + 0.1 * torch.randn(s)) if n.endswith("norm.weight") else 0.02 * torch.randn(s)
               for n, s in shapes.items()}

    def is_norm(n):
        return n.endswith("norm.weight")

    def side(n):
        return "out" if any(n.endswith(k + ".weight") for k in OUTPUT_SIDE) else "in"

    if args.student == "all":
        g = torch.randperm(d)[:dp].sort().values
        params = {}
        for n, w in teacher.items():
            w = w[g] if is_norm(n) or side(n) == "out" else w[:, g]   # output side [d, inner]: rows
            params[n] = torch.nn.Parameter(w.clone().contiguous())

        def student_weights():
            return params
    else:
        def orthogonal():
            q, _ = torch.linalg.qr(torch.randn(d, dp))
            return q.contiguous()

        params = {}
        for n in teacher:
            params[n] = torch.nn.Parameter(torch.ones(dp) if is_norm(n) else orthogonal())

        def student_weights():   # the fold, recorded by autograd: W @ P or P^T @ W
            return {n: p if is_norm(n) else (p.t() @ teacher[n] if side(n) == "out" else teacher[n] @ p)
                    for n, p in params.items()}

    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=WEIGHT_DECAY), dict(params=no_decay, weight_decay=0.0)],
                            lr=LR, betas=BETAS, eps=EPS)
    ids = torch.randint(0, vocab, (b, t), generator=torch.Generator().manual_seed(7))
    targets = torch.cat((ids[:, 1:], torch.full((b, 1), -100)), dim=1).reshape(-1)
    n_tok, T = b * t, TEMPERATURE
    every = list(params.values())

    def step():
        t0 = time_ns()
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            tl = forward(teacher, ids).view(-1, vocab)
        sl = forward(student_weights(), ids).view(-1, vocab)
        ce = F.cross_entropy(sl, targets, ignore_index=-100)
        kl = F.kl_div(F.log_softmax(sl / T, dim=-1), F.log_softmax(tl / T, dim=-1), reduction="sum",
                      log_target=True) * (T * T / n_tok)
        loss = ce + kl
        loss.backward()
        torch.nn.utils.clip_grad_norm_(every, CLIP)
        opt.step()
        value = loss.item()
        return (time_ns() - t0) / 1e9, value

    for _ in range(args.warmup_steps):
        step()
    blas = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if len(ln.split()) >= 6
                   and any(k in os.path.basename(ln.split()[-1]) for k in ("blas", "lapack", "mkl", "dnnl", "gomp"))})
    print(json.dumps({"ready": True, "torch": torch.__version__, "python": sys.version.split()[0],
                      "threads": torch.get_num_threads(), "student": args.student,
                      "teacher_params": sum(w.numel() for w in teacher.values()),
                      "trainable": sum(p.numel() for p in every), "libraries": blas}), flush=True)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--student", default="all,projections", help="all, projections or both (comma-separated)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--threads", default="1,2", help="thread counts, each compared on its own")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=2, help="timed steps per side per round (their median counts)")
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
    for student in args.student.split(","):
        for t in (int(x) for x in args.threads.split(",")):
            workers = [ours_worker(args, student, t), torch_worker_proc(args, student, t)]
            try:
                for w in workers:
                    print(f"{w.name} ({student}, threads={t}):", json.dumps(w.ready()), flush=True)
                res = interleave(workers if t % 2 else workers[::-1], args.rounds, args.steps,
                                 f" {student} threads={t}")
            finally:
                for w in workers:
                    w.close()
            rows.append((student, t, summarize(res, "torch", "ours")))

    print()
    print(f"Distillation step (10M teacher forward + half-width student forward/backward, ce + T^2 kl at T="
          f"{TEMPERATURE:g}, clip + AdamW), B={args.batch} T={args.seq} ({args.batch * args.seq} tokens), "
          f"{args.rounds} rounds x {args.steps} steps")
    print(f"{'student':<11} {'thr':>3} {'ours tok/s':>10} {'torch tok/s':>11} {'ours/torch':>10} {'ours best':>9} "
          f"{'torch best':>10} {'loss ours':>9} {'loss torch':>10}  per-round ratios")
    for student, t, s in rows:
        print(f"{student:<11} {t:>3} {s['b']:10.0f} {s['a']:11.0f} {s['ratio']:10.2f} {s['best_b']:9.0f} "
              f"{s['best_a']:10.0f} {s['loss_b']:9.4f} {s['loss_a']:10.4f}  " + " ".join(f"{r:.2f}" for r in s["ratios"]))
    print()
    print("tok/s: median over rounds of B*T / (median step of the round); ours/torch: median of the per-round ratios;"
          " best: each side's fastest step over all rounds.")


if __name__ == "__main__":
    main()
