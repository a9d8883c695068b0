#!/usr/bin/python3
"""Writes tiny random GPT-2 models in the Hugging Face layout, for the loader and model tests.

    /usr/bin/python3 tests/tools/make_fixtures.py [OUT_DIR]      (default: data/fixtures)

Each fixture is a folder with config.json + model.safetensors, written the way real exports
are, including the quirks of the real openai-community/gpt2 model.safetensors on Hugging Face:

  tiny_gpt2        F32, "__metadata__": {"format": "pt"}, h.N.attn.bias mask buffers
                   [1, 1, P, P], no lm_head.weight (tied to wte), data segment NOT aligned
  tiny_prefixed    the same weights, keys prefixed "transformer.", an explicit lm_head.weight
                   equal to wte (GPT2LMHeadModel's export), tensors in shuffled order
  tiny_untied      the same weights plus a DIFFERENT lm_head.weight (untied output projection)
  tiny_f16         the same weights stored as F16 (rounded to nearest even), F32 mask buffers
  tiny_bf16        the same weights stored as BF16 (rounded to nearest even), BOOL mask buffers
  tiny_fullvocab   other weights: GPT-2's full 50,257-token vocabulary on a toy body
                   (n_embd 8, 2 layers, 2 heads, 32 positions), F16 — for text prompts

The first five share one set of float32 weights (numpy seed 20240603), so a test can check that
every variant loads to the same numbers (F16/BF16: within their rounding). The safetensors
writer below is written from the format's description, not with the safetensors package.
The output is deterministic: re-running rewrites byte-identical files.
"""
import json
import os
import struct
import sys

import numpy as np

CONFIG = {
    # The keys a Hugging Face GPT-2 config.json has (values tiny).
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "activation_function": "gelu_new",
    "n_layer": 2,
    "n_head": 4,
    "n_embd": 32,
    "n_positions": 64,
    "n_ctx": 64,
    "vocab_size": 384,
    "layer_norm_epsilon": 1e-05,
    "bos_token_id": 383,
    "eos_token_id": 383,
}
SEED = 20240603


def make_weights(cfg, rng):
    """Tiny GPT-2 weights, name → float32 array in the checkpoint's (row-major) shapes.

    Scales are chosen so the tests are sensitive: non-zero biases, LayerNorm gains away from
    1, embeddings small enough that LayerNorm's epsilon matters, logits spread over a few units.
    """
    C, V, P, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]

    def normal(shape, std, mean=0.0):
        return (mean + std * rng.standard_normal(shape)).astype(np.float32)

    w = {
        "wte.weight": normal((V, C), 0.08),
        "wpe.weight": normal((P, C), 0.05),
    }
    for l in range(L):
        h = f"h.{l}."
        w[h + "ln_1.weight"] = normal((C,), 0.2, 1.0)
        w[h + "ln_1.bias"] = normal((C,), 0.1)
        w[h + "attn.c_attn.weight"] = normal((C, 3 * C), 0.25)
        w[h + "attn.c_attn.bias"] = normal((3 * C,), 0.1)
        w[h + "attn.c_proj.weight"] = normal((C, C), 0.1)
        w[h + "attn.c_proj.bias"] = normal((C,), 0.05)
        w[h + "ln_2.weight"] = normal((C,), 0.2, 1.0)
        w[h + "ln_2.bias"] = normal((C,), 0.1)
        w[h + "mlp.c_fc.weight"] = normal((C, 4 * C), 0.25)
        w[h + "mlp.c_fc.bias"] = normal((4 * C,), 0.2)
        w[h + "mlp.c_proj.weight"] = normal((4 * C, C), 0.08)
        w[h + "mlp.c_proj.bias"] = normal((C,), 0.05)
    w["ln_f.weight"] = normal((C,), 0.3, 4.0)
    w["ln_f.bias"] = normal((C,), 0.1)
    return w


def f32_to_bf16_bits(a):
    """float32 → bfloat16 bit patterns, round to nearest even (as torch does)."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounding = ((bits >> 16) & 1) + 0x7FFF
    return ((bits + rounding) >> 16).astype(np.uint16)


def is_mask(name):
    """h.N.attn.bias (the causal-mask buffer), not h.N.attn.c_attn.bias (a weight)."""
    return name.split(".")[-2:] == ["attn", "bias"]


def write_safetensors(path, tensors, order, metadata=None, dtype="F32", mask_dtype="F32"):
    """tensors: name → float32 array; order: names in data-segment order."""
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order:
        a = np.ascontiguousarray(tensors[name])
        if is_mask(name) and mask_dtype == "BOOL":  # newer exports: bool masks
            data, dt = a.astype(np.uint8).tobytes(), "BOOL"
        elif dtype == "F32" or is_mask(name):
            data, dt = a.astype("<f4").tobytes(), "F32"
        elif dtype == "F16":
            data, dt = a.astype("<f2").tobytes(), "F16"
        elif dtype == "BF16":
            data, dt = f32_to_bf16_bits(a).astype("<u2").tobytes(), "BF16"
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    # The real file's data segment starts at byte 14,291: odd, so no float is 4-byte aligned.
    # Pad the header with spaces (allowed by the format) until 8 + len is odd as well.
    if (8 + len(text)) % 2 == 0:
        text += b" "
    assert (8 + len(text)) % 4 != 0
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def write_fixture(out_dir, name, cfg, tensors, order, metadata, dtype="F32", mask_dtype="F32"):
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(d, "model.safetensors"), tensors, order, metadata, dtype, mask_dtype)
    print(f"wrote {d}/ ({os.path.getsize(os.path.join(d, 'model.safetensors')):,} bytes)")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "fixtures")
    out_dir = os.path.normpath(out_dir)
    rng = np.random.default_rng(SEED)
    cfg = CONFIG
    w = make_weights(cfg, rng)
    P = cfg["n_positions"]
    mask = np.tril(np.ones((P, P), dtype=np.float32)).reshape(1, 1, P, P)

    # 1. Like the real file: mask buffers, metadata, no lm_head, names sorted (as the
    #    safetensors library writes them).
    real = dict(w)
    for l in range(cfg["n_layer"]):
        real[f"h.{l}.attn.bias"] = mask
    write_fixture(out_dir, "tiny_gpt2", cfg, real, sorted(real), {"format": "pt"})

    # 2. "transformer." prefixes, explicit lm_head.weight (= wte), shuffled order.
    prefixed = {"transformer." + k: v for k, v in real.items()}
    prefixed["lm_head.weight"] = w["wte.weight"].copy()
    order = sorted(prefixed)
    np.random.default_rng(SEED + 1).shuffle(order)
    write_fixture(out_dir, "tiny_prefixed", cfg, prefixed, order, {"format": "pt"})

    # 3. An untied output projection: lm_head.weight differs from wte.
    untied = dict(w)
    untied["lm_head.weight"] = (0.08 * rng.standard_normal(w["wte.weight"].shape)).astype(np.float32)
    order = sorted(untied)
    np.random.default_rng(SEED + 2).shuffle(order)
    write_fixture(out_dir, "tiny_untied", cfg, untied, order, None)

    # 4., 5. Half-precision exports; the F16 one keeps F32 mask buffers, the BF16 one stores
    #        them as BOOL (as newer PyTorch exports do) — a dtype the loader must skip, not read.
    write_fixture(out_dir, "tiny_f16", cfg, real, sorted(real), {"format": "pt"}, "F16")
    write_fixture(out_dir, "tiny_bf16", cfg, real, sorted(real), {"format": "pt"}, "BF16", "BOOL")

    # 6. GPT-2's real vocabulary (50,257 ids) on a toy body, so programs can run TEXT prompts
    #    through the real tokenizer on a model that loads instantly. F16 to keep it small.
    full_cfg = dict(CONFIG, n_layer=2, n_head=2, n_embd=8, n_positions=32, n_ctx=32,
                    vocab_size=50257, bos_token_id=50256, eos_token_id=50256)
    full = make_weights(full_cfg, np.random.default_rng(SEED + 3))
    P = full_cfg["n_positions"]
    for l in range(full_cfg["n_layer"]):
        full[f"h.{l}.attn.bias"] = np.tril(np.ones((P, P), dtype=np.float32)).reshape(1, 1, P, P)
    write_fixture(out_dir, "tiny_fullvocab", full_cfg, full, sorted(full), {"format": "pt"}, "F16")


if __name__ == "__main__":
    main()
