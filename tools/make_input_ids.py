#!/usr/bin/env python3
"""Writes a safetensors file holding input_ids int32 [B, T] for `red-engine forward`.

Usage: tools/make_input_ids.py OUT.safetensors --vocab V [--batch B] [--seq-len T] [--seed S]
       tools/make_input_ids.py OUT.safetensors --ids "1 5 9 2" [--ids "..."]   (one --ids per sequence)
Needs only numpy: the safetensors layout is an 8-byte header length, a JSON header, then raw little-endian data.
"""
import argparse
import json
import struct

import numpy as np


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        dtype = {np.dtype(np.int32): "I32", np.dtype(np.float32): "F32"}[arr.dtype]
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--vocab", type=int)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seq-len", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ids", action="append", help="space-separated token ids of one sequence")
    a = p.parse_args()
    if a.ids:
        rows = [[int(t) for t in s.split()] for s in a.ids]
        if len({len(r) for r in rows}) != 1:
            p.error("every --ids sequence must have the same length")
        ids = np.array(rows, dtype=np.int32)
    else:
        if a.vocab is None:
            p.error("--vocab is needed to draw random ids")
        ids = np.random.default_rng(a.seed).integers(0, a.vocab, size=(a.batch, a.seq_len), dtype=np.int32)
    write_safetensors(a.out, {"input_ids": ids})
    print(f"wrote {a.out}: input_ids int32 {list(ids.shape)}")


if __name__ == "__main__":
    main()
