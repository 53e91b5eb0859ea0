#!/usr/bin/env python3
"""PyTorch side of `red-engine bench`: the same ops on the same shapes, timed the same way.

Reads the JSON that `red-engine bench --json` wrote (--like FILE) for the shapes (tokens N, width C, heads H,
vocabulary V, layers L), the op list, warm-up and repeat counts and each op's work (bytes or flops), times each op
in PyTorch (eager, float32, TF32 off so that both sides do true FP32 math), and writes the same JSON layout.

  op             PyTorch call                                       red-engine op
  copy           dst.copy_(src) [N, 4C]                             Backend.copy
  add            torch.add(a, b, out=o) [N, 4C]                     Backend.add
  rmsnorm        x * rsqrt(mean(x^2) + eps) * w [N, C]              Backend.rmsnorm (ours also saves rstd)
  swiglu         silu(g) * u [N, 4C]                                Backend.swiglu
  cross_entropy  cross_entropy(logits, t) + backward to dlogits      Backend.crossEntropy (fused, gradient included)
  matmul         F.linear(x [N, C], W [4C, C])                      Backend.matmul(transB)
  attention      scaled_dot_product_attention(causal) [1, H, N, D]  Backend.attention (ours also saves lse)
  adamw          torch.optim.AdamW(fused on CUDA).step() [4C, C]    Backend.adamw
  train_step     Llama L x C (FFN 8C/3, tied head) forward + CE + backward, as red-engine's CausalLM

Run:  python3 tools/torch_ops_bench.py --like ours.json --device cuda --out torch.json
Without PyTorch it writes {"error": ...} and exits 0, so that tools/gpu-test.sh still reports our side.
"""
import argparse
import datetime
import json
import math
import sys
import time


def causal_attention(torch, F):
    """F.scaled_dot_product_attention(causal) where PyTorch has it (2.0+), else the explicit eager form."""
    if hasattr(F, "scaled_dot_product_attention"):
        return lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def explicit(q, k, v):
        t = q.shape[-2]
        s = (q @ k.transpose(-1, -2)) / (q.shape[-1] ** 0.5)
        s = s.masked_fill(torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
        return torch.softmax(s, -1) @ v
    return explicit


def build_ops(torch, F, dev, shape, ops):
    n, c, h, v, layers = shape["tokens"], shape["dim"], shape["heads"], shape["vocab"], shape["layers"]
    f, d = 4 * c, c // h
    g = torch.Generator(device="cpu").manual_seed(42)

    def rnd(*s):
        return torch.randn(*s, generator=g).to(dev)

    out = {}
    # each lambda binds its tensors as default arguments: later ops reuse the names (x, w, ...)
    if "copy" in ops:
        src, dst = rnd(n, f), torch.empty(n, f, device=dev)
        out["copy"] = lambda dst=dst, src=src: dst.copy_(src)
    if "add" in ops:
        a, b, o = rnd(n, f), rnd(n, f), torch.empty(n, f, device=dev)
        out["add"] = lambda a=a, b=b, o=o: torch.add(a, b, out=o)
    if "rmsnorm" in ops:
        x, w = rnd(n, c), rnd(c)
        out["rmsnorm"] = lambda x=x, w=w: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w
    if "swiglu" in ops:
        gt, up = rnd(n, f), rnd(n, f)
        out["swiglu"] = lambda gt=gt, up=up: F.silu(gt) * up
    if "cross_entropy" in ops:
        logits = rnd(n, v).requires_grad_(True)
        t = torch.randint(0, v, (n,), generator=g).to(dev)

        def ce():
            logits.grad = None
            F.cross_entropy(logits, t).backward()
        out["cross_entropy"] = ce
    if "matmul" in ops:
        x, w = rnd(n, c), rnd(f, c)
        out["matmul"] = lambda x=x, w=w: F.linear(x, w)
    if "attention" in ops:
        q, k, vv = rnd(1, h, n, d), rnd(1, h, n, d), rnd(1, h, n, d)
        attend = causal_attention(torch, F)
        out["attention"] = lambda q=q, k=k, vv=vv: attend(q, k, vv)
    if "adamw" in ops:
        p = torch.nn.Parameter(rnd(f, c))
        p.grad = rnd(f, c)
        kw = {"fused": True} if dev == "cuda" else {}
        opt = torch.optim.AdamW([p], lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, **kw)
        out["adamw"] = opt.step
    if "train_step" in ops:
        out["train_step"] = llama_step(torch, F, dev, n, c, h, layers, max(64, (8 * c // 3 + 63) // 64 * 64), v, g)
    return out


def llama_step(torch, F, dev, n, c, h, layers, ffn, vocab, g):
    """Llama (RMSNorm, RoPE theta 10000, causal attention, SwiGLU, tied head) as HF computes it, N(0, 0.02) weights."""
    nn = torch.nn
    d = c // h

    def p(*s):
        return nn.Parameter((torch.randn(*s, generator=g) * 0.02).to(dev))

    emb = p(vocab, c)
    blocks = [dict(n1=nn.Parameter(torch.ones(c, device=dev)), q=p(c, c), k=p(c, c), v=p(c, c), o=p(c, c),
                   n2=nn.Parameter(torch.ones(c, device=dev)), gate=p(ffn, c), up=p(ffn, c), down=p(c, ffn))
              for _ in range(layers)]
    norm = nn.Parameter(torch.ones(c, device=dev))
    params = [emb, norm] + [t for b in blocks for t in b.values()]
    attend = causal_attention(torch, F)
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2, device=dev).float() / d))
    ang = torch.outer(torch.arange(n, device=dev).float(), inv)
    cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()
    ids = torch.randint(0, vocab, (1, n), generator=g).to(dev)

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def rot(x):
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def step():
        for t in params:
            t.grad = None
        x = emb[ids]
        for b in blocks:
            y = rms(x, b["n1"])
            q = rot(F.linear(y, b["q"]).view(1, n, h, d).transpose(1, 2))
            k = rot(F.linear(y, b["k"]).view(1, n, h, d).transpose(1, 2))
            vv = F.linear(y, b["v"]).view(1, n, h, d).transpose(1, 2)
            a = attend(q, k, vv).transpose(1, 2).reshape(1, n, c)
            x = x + F.linear(a, b["o"])
            y = rms(x, b["n2"])
            x = x + F.linear(F.silu(F.linear(y, b["gate"])) * F.linear(y, b["up"]), b["down"])
        logits = F.linear(rms(x, norm), emb)
        loss = F.cross_entropy(logits[0, :-1], ids[0, 1:])
        loss.backward()
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--like", required=True, help="red-engine bench --json output: shapes, ops, work")
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    ours = json.load(open(args.like))
    report = {"tool": "torch_ops_bench.py", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "shape": ours["shape"]}
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        report["error"] = "PyTorch is not installed here: %s" % e
        json.dump(report, open(args.out, "w"), indent=2)
        print(report["error"], file=sys.stderr)
        return 0
    if args.device == "cuda" and not torch.cuda.is_available():
        report["error"] = "torch.cuda.is_available() is False"
        json.dump(report, open(args.out, "w"), indent=2)
        print(report["error"], file=sys.stderr)
        return 0
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    report["device"] = "torch %s on %s" % (torch.__version__, torch.cuda.get_device_name() if args.device == "cuda" else "cpu")
    names = [o["op"] for o in ours["ops"]]
    work = {o["op"]: o for o in ours["ops"]}
    results = []
    fns = build_ops(torch, F, args.device, ours["shape"], names)
    for op in names:
        fn = fns[op]
        for _ in range(args.warmup):
            fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            fn()
        sync()
        ms = (time.perf_counter() - t0) * 1e3 / args.repeat
        w = work[op]
        r = {"op": op, "shape": w["shape"], "ms": ms, "bytes": w["bytes"], "flops": w["flops"], "bound": w["bound"]}
        r["gb_per_s"] = w["bytes"] / (ms * 1e-3) / 1e9 if w["bytes"] else None
        r["tflops"] = w["flops"] / (ms * 1e-3) / 1e12 if w["flops"] else None
        results.append(r)
        print("%-14s %10.4f ms" % (op, ms), file=sys.stderr)
    report["ops"] = results
    json.dump(report, open(args.out, "w"), indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
