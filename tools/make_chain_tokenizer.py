#!/usr/bin/env python3
"""Writes the chain task's tokenizer: HF tokenizers JSON, byte-level BPE without merges over only the characters
the task uses (a-z, 0-9, = ; ? + -, space and newline), so that every character is one token and a model's
vocabulary stays tiny (44). Id 0 is <|endoftext|>, the documents' separator and the model's EOS.

Usage: tools/make_chain_tokenizer.py OUT_DIR   (writes OUT_DIR/tokenizer.json and OUT_DIR/tokenizer_config.json)
"""
import json
import os
import string
import sys

BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}


def main():
    out = sys.argv[1]
    # byte-level BPE sees space and newline as the printable stand-ins U+0120 and U+010A (GPT-2's byte map)
    chars = list(string.ascii_lowercase) + list(string.digits) + list("=;?+-") + ["\u0120", "\u010a"]
    vocab = {"<|endoftext|>": 0}
    for c in chars:
        vocab[c] = len(vocab)
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 0, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None, "pre_tokenizer": BYTE_LEVEL, "post_processor": BYTE_LEVEL, "decoder": BYTE_LEVEL,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"eos_token": "<|endoftext|>", "tokenizer_class": "GPT2Tokenizer"}, f, indent=1)
        f.write("\n")
    print(f"wrote {out}/tokenizer.json: {len(vocab)} tokens")


if __name__ == "__main__":
    main()
