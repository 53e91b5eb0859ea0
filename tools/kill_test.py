#!/usr/bin/env python3
"""Kill test for `train` and `distill` checkpoints: SIGKILL a checkpointing run at random moments, many times, and
check that what it leaves is always usable and that --resume still reaches the uninterrupted result.

What it does:
  1. an uninterrupted reference run: `train ... --steps S --save-every 1 --out REF`;
  2. --kills times: start `train ... --save-every 1 [--resume] --out RUN` (with --resume once a checkpoint
     exists), wait a random fraction in [--min-wait, --max-wait] of the reference run's time, SIGKILL it; then check that every visible
     `RUN/checkpoints/step-N` is complete (its files parse as safetensors/JSON and `info --model` loads it), and
     that no visible folder is half-written;
  3. `train ... --resume` to the end, and compare RUN/model.safetensors with REF/model.safetensors byte for byte.

The JVM is started directly (java --add-modules jdk.incubator.vector -cp red-engine.jar ...Main), so the kill
reaches the process that does the work. The model is trained from scratch from the config of
java-engine/src/test/resources/hf-golden/tiny-llama on random token ids.

  python3 tools/kill_test.py [--command train|distill] [--kills 20] [--steps 40] [--jar java-engine/target/red-engine.jar] [--seed 1]

With --command distill the run is `distill --init random --hidden-size 32` of that tiny model (trained from its
random-initialised weights as teacher: the fixture folder's own weights), whose checkpoints also hold
trainable.safetensors (the projections and gains).

Prints one line per kill and a summary: kills, checkpoints checked, whether the resumed result is identical.
Exit code 1 if any check failed. Needs numpy (tools/make_input_ids.py).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_input_ids import write_safetensors  # noqa: E402
from matmul_vs_openblas import java_cmd  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN = "dev.redengine.cli.Main"


def train_cmd(a, data, out, extra=()):
    model = os.path.join(ROOT, "java-engine/src/test/resources/hf-golden/tiny-llama")
    if a.command == "distill":
        return java_cmd(a.jar, (), MAIN) + [
            "distill", "--teacher", model, "--init", "random", "--hidden-size", "32", "--data", data,
            "--seq-len", "16", "--batch", "4", "--steps", str(a.steps), "--lr", "1e-2", "--threads", "2",
            "--seed", "3", "--val-fraction", "0", "--erank-every", "0", "--save-every", "1",
            "--keep-checkpoints", "3", "--out", out, *extra]
    return java_cmd(a.jar, (), MAIN) + [
        "train", "--model", model, "--from-scratch", "--data", data, "--seq-len", "16", "--batch", "4",
        "--steps", str(a.steps), "--lr", "1e-2", "--threads", "2", "--seed", "3", "--save-every", "1",
        "--keep-checkpoints", "3", "--out", out, *extra]


def check_checkpoints(a, run):
    """Each visible step-N folder must be whole and loadable; returns how many were checked."""
    root = os.path.join(run, "checkpoints")
    if not os.path.isdir(root):
        return 0
    checked = 0
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.startswith("."):
            continue  # a write that was killed before its rename: invisible by design
        if not name.startswith("step-"):
            raise AssertionError(f"unexpected entry {path}")
        files = ["model.safetensors", "optimizer.safetensors", "config.json", "trainer_state.json"]
        if a.command == "distill":
            files.append("trainable.safetensors")
        for f in files:
            if not os.path.isfile(os.path.join(path, f)):
                raise AssertionError(f"{path} lacks {f}")
        json.load(open(os.path.join(path, "trainer_state.json")))
        info = subprocess.run(java_cmd(a.jar, (), MAIN) + ["info", "--model", path], capture_output=True, text=True)
        if info.returncode != 0:
            raise AssertionError(f"info cannot load {path}: {info.stderr.strip()}")
        checked += 1
    return checked


def has_checkpoint(run):
    root = os.path.join(run, "checkpoints")
    return os.path.isdir(root) and any(n.startswith("step-") for n in os.listdir(root))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(ROOT, "java-engine/target/red-engine.jar"))
    ap.add_argument("--command", choices=("train", "distill"), default="train")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--min-wait", type=float, default=0.2, help="as a fraction of the reference run's time")
    ap.add_argument("--max-wait", type=float, default=1.0, help="as a fraction of the reference run's time")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="redengine-kill-")
    try:
        data = os.path.join(work, "ids.safetensors")
        ids = np.random.default_rng(a.seed).integers(0, 320, size=(24, 16), dtype=np.int32)
        write_safetensors(data, {"input_ids": ids})
        ref, run = os.path.join(work, "ref"), os.path.join(work, "run")
        t0 = time.monotonic()
        subprocess.run(train_cmd(a, data, ref), check=True, capture_output=True)
        whole = time.monotonic() - t0
        print(f"reference run: {a.steps} steps in {whole:.1f} s")
        checked, failures = 0, 0
        for k in range(1, a.kills + 1):
            p = subprocess.Popen(train_cmd(a, data, run, ["--resume"] if has_checkpoint(run) else ["--overwrite"]),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait = rng.uniform(a.min_wait, a.max_wait) * whole
            time.sleep(wait)
            finished = p.poll() is not None
            p.kill()
            p.wait()
            try:
                n = check_checkpoints(a, run)
                checked += n
                print(f"kill {k}: after {wait:.2f} s{' (had finished)' if finished else ''}, {n} checkpoints whole")
            except AssertionError as e:
                failures += 1
                print(f"kill {k}: FAILED: {e}")
            if finished:
                break
        final = subprocess.run(train_cmd(a, data, run, ["--resume"] if has_checkpoint(run) else ["--overwrite"]),
                               capture_output=True, text=True)
        if final.returncode != 0:
            print("final --resume failed:", final.stderr.strip())
            failures += 1
            same = False
        else:
            same = open(os.path.join(ref, "model.safetensors"), "rb").read() == \
                open(os.path.join(run, "model.safetensors"), "rb").read()
        print(f"summary: {k} kills, {checked} checkpoint checks, {failures} failures, "
              f"resumed result {'identical to' if same else 'DIFFERENT from'} the uninterrupted run")
        sys.exit(0 if failures == 0 and same else 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
