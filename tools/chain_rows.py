#!/usr/bin/env python3
"""Packs chain-task text one program per row: input_ids [N, T] (int32 safetensors) for red-engine's --data.

Each line's "text" of a tools/make_chain_task.py .jsonl becomes one row: its tokens (models/chain-tokenizer has one
token per character), then the EOS id up to T. Rows keep every program at position 0, as an eval prompt is, instead
of packing programs back to back (where a window starts mid-program and names from the program before it are in
view). Train with --loss-after '?' --loss-span 2: the padding is then never a target, except the EOS right after the
last answer, which teaches the model to stop. A text that does not fit T - 1 tokens is an error.

Usage: tools/chain_rows.py IN.jsonl OUT.safetensors [--seq-len 64] [--tokenizer models/chain-tokenizer/tokenizer.json]
"""
import argparse
import json
import struct
import sys
from array import array


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("out")
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--tokenizer", default="models/chain-tokenizer/tokenizer.json")
    a = p.parse_args()
    tok = json.load(open(a.tokenizer))
    vocab = tok["model"]["vocab"]
    eos = next(t["id"] for t in tok["added_tokens"] if t["content"] == "<|endoftext|>")
    ids = array("i")
    rows = 0
    with open(a.input) as f:
        for n, line in enumerate(f, 1):
            text = json.loads(line)["text"]
            if len(text) > a.seq_len - 1:
                sys.exit(f"{a.input} line {n}: {len(text)} tokens do not fit --seq-len {a.seq_len} with the EOS after them")
            try:
                row = [vocab[c] for c in text]
            except KeyError as e:
                sys.exit(f"{a.input} line {n}: character {e} is not in {a.tokenizer}")
            ids.extend(row + [eos] * (a.seq_len - len(row)))
            rows += 1
    if sys.byteorder != "little":
        ids.byteswap()
    data = ids.tobytes()
    header = json.dumps({"input_ids": {"dtype": "I32", "shape": [rows, a.seq_len], "data_offsets": [0, len(data)]}})
    header += " " * (-len(header) % 8)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header.encode())
        f.write(data)
    print(f"wrote {a.out}: {rows} rows x {a.seq_len} tokens")


if __name__ == "__main__":
    main()
