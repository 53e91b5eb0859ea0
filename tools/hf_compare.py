#!/usr/bin/env python3
"""Compare `red-engine forward` output with HF transformers (or with another engine output file).

Mode 1, against HF (needs PyTorch + transformers; written for torch 2.11 + transformers 5.17 on a lent GPU
machine -- this repository's own machine has no torch):

    tools/hf_compare.py --model DIR --input IN.safetensors --engine-out OUT.safetensors [--dtype float32|float64|both]
                        [--device cuda|cpu]

  loads DIR with AutoModelForCausalLM (eager attention, TF32 off) in float32 and float64 (default: both),
  runs input_ids with output_hidden_states=True and labels=input_ids, and compares with OUT:
  `logits` and every `hidden.i` against the HF logits / hidden_states[i], `loss` against the HF loss.

Mode 2, engine against engine (numpy only; exercises the comparison logic without torch):

    tools/hf_compare.py --engine-out A.safetensors --reference B.safetensors

  compares every tensor of B with the tensor of the same name in A (a name missing from A fails).

For each tensor it prints max |a - ref|, max |ref| and their ratio; PASS when the ratio is at most 1e-4 for
logits and hidden states, 1e-5 for the loss (|diff| / |ref|), 1e-3 for `grad.*` (mode 2 only; the README's
gradient tolerance). Exit code 0 if everything passes, 1 on any FAIL, 2 on bad input or missing packages.

Safetensors files are read with the `safetensors` package when installed, else with the small numpy reader
below (8-byte little-endian header length, JSON header, raw data).

Exact commands on the GPU machine for a RED-pruned folder (run from the repository root; JDK 25 needed for
the jar: build with `mvn -B -q package -DskipTests`, or carry java-engine/target/red-engine.jar):

    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64   # wherever JDK 25 is on that machine
    JAR=java-engine/target/red-engine.jar
    M=java-engine/src/test/resources/hf-golden/tiny-llama
    mkdir -p /tmp/teacher && cp $M/config.json $M/model.safetensors /tmp/teacher/ && \
      cp java-engine/src/test/resources/tokenizers/tiny-bpe/tokenizer*.json /tmp/teacher/
    $JAVA_HOME/bin/java -jar $JAR prune --model /tmp/teacher --method red --hidden-size 40 \
      --calib java-engine/src/test/resources/calib/mixed.jsonl --seq-len 32 --samples 8 --out /tmp/red40
    python3 tools/make_input_ids.py /tmp/in.safetensors --vocab 320 --batch 2 --seq-len 16
    $JAVA_HOME/bin/java -jar $JAR forward --model /tmp/red40 --input /tmp/in.safetensors --out /tmp/red40-out.safetensors
    python3 tools/hf_compare.py --model /tmp/red40 --input /tmp/in.safetensors --engine-out /tmp/red40-out.safetensors

  (--calib may also be a pre-tokenised input_ids .safetensors, e.g. $M/golden.safetensors, then no tokenizer
  files are needed.) The pruned folder writes head_dim explicitly (hidden 40 with 4 heads of 16), which is what
  makes HF load it; a HF load error there is itself a finding.
"""
import argparse
import json
import math
import struct
import sys

import numpy as np

TOL_ACT = 1e-4    # logits, hidden.i: max |diff| / max |ref|
TOL_LOSS = 1e-5   # loss: |diff| / |ref|
TOL_GRAD = 1e-3   # grad.*: max |diff| / max |ref| (engine-vs-engine mode)

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def die(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


def read_safetensors_numpy(path):
    """Minimal reader: {name: np.ndarray}; BF16 is widened to float32."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file ({len(raw)} bytes)")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        shape = tuple(info["shape"])
        buf = data[start:end]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        elif info["dtype"] in _DTYPES:
            arr = np.frombuffer(buf, dtype=np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {info['dtype']}")
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError(f"{path}: tensor {name}: {arr.size} values for shape {list(shape)}")
        out[name] = arr.reshape(shape).copy()
    return out


def read_safetensors(path):
    try:
        from safetensors.numpy import load_file
    except ImportError:
        return read_safetensors_numpy(path)
    try:
        return load_file(path)
    except Exception:  # e.g. BF16, which numpy has no dtype for
        return read_safetensors_numpy(path)


def tolerance(name):
    if name == "loss":
        return TOL_LOSS
    if name.startswith("grad."):
        return TOL_GRAD
    return TOL_ACT


def compare(name, got, ref):
    """One line: PASS/FAIL name, max |diff|, max |ref|, ratio, tolerance. Returns True on PASS."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        # the engine writes loss as [1]; a reference may hold a scalar
        if got.size == ref.size == 1:
            got, ref = got.reshape(()), ref.reshape(())
        else:
            print(f"FAIL {name:28s} shape {list(got.shape)} vs reference {list(ref.shape)}")
            return False
    tol = tolerance(name)
    nan_got, nan_ref = np.isnan(got), np.isnan(ref)
    if nan_got.any() or nan_ref.any():
        if np.array_equal(nan_got, nan_ref):
            if nan_got.all():
                print(f"PASS {name:28s} both NaN (loss with T = 1?)")
                return True
        else:
            print(f"FAIL {name:28s} NaN in {int(nan_got.sum())} engine / {int(nan_ref.sum())} reference entries,"
                  " not the same ones")
            return False
        got, ref = got[~nan_got], ref[~nan_ref]
    if not (np.isfinite(got).all() and np.isfinite(ref).all()):
        print(f"FAIL {name:28s} non-finite values")
        return False
    diff = float(np.max(np.abs(got - ref))) if got.size else 0.0
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    ratio = diff / scale if scale > 0 else (0.0 if diff == 0 else math.inf)
    ok = ratio <= tol
    print(f"{'PASS' if ok else 'FAIL'} {name:28s} max|diff| {diff:.3e}  max|ref| {scale:.3e}  ratio {ratio:.3e}"
          f"  (tol {tol:.0e})")
    return ok


def hidden_index(name):
    return int(name.split(".", 1)[1])


def activation_names(tensors):
    """logits, hidden.0..hidden.L in layer order, loss; whatever of them is present."""
    hidden = sorted((n for n in tensors if n.startswith("hidden.")), key=hidden_index)
    return [n for n in ["logits"] + hidden + ["loss"] if n in tensors]


def compare_files(engine, reference):
    ok = True
    names = activation_names(reference) + sorted(n for n in reference if n.startswith("grad."))
    names += sorted(set(reference) - set(names))
    for name in names:
        if name not in engine:
            print(f"FAIL {name:28s} missing from the engine output")
            ok = False
            continue
        ok &= compare(name, engine[name], reference[name])
    extra = sorted(set(engine) - set(reference))
    if extra:
        print(f"note: {len(extra)} engine tensors not in the reference: {', '.join(extra[:8])}"
              f"{' ...' if len(extra) > 8 else ''}")
    return ok


def load_input_ids(path):
    t = read_safetensors(path)
    if "input_ids" not in t:
        raise ValueError(f"{path}: no tensor 'input_ids' (tensors: {sorted(t)})")
    ids = np.asarray(t["input_ids"])
    if ids.dtype not in (np.int32, np.int64):
        raise ValueError(f"{path}: input_ids has dtype {ids.dtype}; expected int32 or int64")
    if ids.ndim == 1:
        ids = ids[None, :]
    if ids.ndim != 2 or ids.size == 0:
        raise ValueError(f"{path}: input_ids must be [B, T] (or [T]), got {list(ids.shape)}")
    return ids.astype(np.int64)


def import_torch():
    missing = []
    try:
        import torch
    except ImportError:
        torch = None
        missing.append("torch")
    try:
        import transformers
    except ImportError:
        transformers = None
        missing.append("transformers")
    if missing:
        die(f"{' and '.join(missing)} not installed: comparing with HF needs PyTorch and transformers "
                 "(written for torch 2.11, transformers 5.17). On a machine without them only "
                 "--engine-out A --reference B (engine against engine) works.")
    return torch, transformers


def hf_reference(model_dir, ids, dtype_name, device):
    torch, transformers = import_torch()
    from transformers import AutoModelForCausalLM
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
    kwargs = {"attn_implementation": "eager"}
    try:   # transformers 5 names it dtype; 4.x torch_dtype
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, **kwargs)
    except TypeError:
        model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=dtype, **kwargs)
    model = model.to(device=device, dtype=dtype).eval()
    got = next(model.parameters()).dtype
    if got != dtype:
        die(f"model loaded as {got}, wanted {dtype}")
    x = torch.from_numpy(ids).to(device)
    with torch.no_grad():
        out = model(input_ids=x, labels=x, output_hidden_states=True, use_cache=False)
    ref = {"logits": out.logits.double().cpu().numpy(), "loss": np.array([out.loss.double().item()])}
    for i, h in enumerate(out.hidden_states):
        ref[f"hidden.{i}"] = h.double().cpu().numpy()
    print(f"HF {transformers.__version__} (torch {torch.__version__}), {type(model).__name__}, {dtype_name} on "
          f"{device}: {len(out.hidden_states)} hidden states, loss {ref['loss'][0]:.8f}")
    return ref


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine-out", required=True, help="output of `red-engine forward`")
    p.add_argument("--model", help="HF model folder (mode 1)")
    p.add_argument("--input", help="input_ids safetensors given to `red-engine forward` (mode 1)")
    p.add_argument("--reference", help="a second engine output to compare with (mode 2, no torch)")
    p.add_argument("--dtype", choices=["float32", "float64", "both"], default="both",
                   help="HF compute dtype (mode 1; default: both)")
    p.add_argument("--device", help="torch device (mode 1; default: cuda when available, else cpu)")
    a = p.parse_args()
    try:
        engine = read_safetensors(a.engine_out)
        if a.reference:
            if a.model or a.input:
                p.error("--reference (engine against engine) does not take --model / --input")
            print(f"engine {a.engine_out} against reference {a.reference}")
            ok = compare_files(engine, read_safetensors(a.reference))
        else:
            if not (a.model and a.input):
                p.error("give --model DIR and --input IN.safetensors (against HF), or --reference B.safetensors")
            ids = load_input_ids(a.input)
            torch, _ = import_torch()
            device = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
            ok = True
            for dt in (["float32", "float64"] if a.dtype == "both" else [a.dtype]):
                ref = hf_reference(a.model, ids, dt, device)
                print(f"engine {a.engine_out} against HF {dt}, input_ids {list(ids.shape)}")
                names = activation_names(ref)
                ok &= compare_files({n: engine[n] for n in names if n in engine}, ref)
    except (OSError, ValueError, KeyError) as e:
        die(str(e))
    print("ALL PASS" if ok else "SOME FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
