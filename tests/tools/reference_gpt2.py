#!/usr/bin/python3
"""An independent GPT-2 forward pass in numpy, and the reference values the C++ tests check.

    /usr/bin/python3 tests/tools/reference_gpt2.py            (about a minute: the 124M part)
    /usr/bin/python3 tests/tools/reference_gpt2.py --tiny-only

Written from the GPT-2 paper / Hugging Face's GPT2Model description, NOT from
this repository's C++: tokens are ROWS here (x is (T, n_embd), y = x @ W + b with W as
stored), the math runs in float64, and the safetensors reader below is its own. Outputs:

  tests/reference/<fixture>.json   for each data/fixtures/<fixture>: logits at every position
                                   for a few prompts, and a greedy continuation to the full
                                   context window (new ids + each step's last logits)
  tests/reference/random_gpt2_124m.json
                                   random_gpt2(gpt2_small_config(), 1234) regenerated here with
                                   the same counter-based formula: exact sample values, per-
                                   tensor sums, and the last-position logits of an 8-id prompt
  tests/reference/random_gpt2_tiny.json
                                   the same for a tiny config (fast exact checks)

The format is described in tests/reference/README.md.
"""
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = ["tiny_gpt2", "tiny_prefixed", "tiny_untied", "tiny_f16", "tiny_bf16", "tiny_fullvocab"]
COMPACT_ABOVE_VOCAB = 4096  # bigger vocabularies: top-10 logits instead of all (file size)
HELLO = [15496, 11, 616, 3290, 318, 13779]  # "Hello, my dog is cute" in GPT-2 ids
TOLERANCE = 1e-4  # what the C++ forward pass must meet on the tiny fixtures


# --- reading a checkpoint (independent of common/safetensors.cpp) ------------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            continue  # e.g. BOOL mask buffers: not weights
        out[name] = a.reshape(info["shape"])
    return out


def load_model(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    raw = read_safetensors(os.path.join(folder, "model.safetensors"))
    params = {}
    for name, a in raw.items():
        key = name[len("transformer."):] if name.startswith("transformer.") else name
        if key.split(".")[-2:] == ["attn", "bias"]:
            continue  # causal-mask buffer
        params[key] = a.astype(np.float64)
    if "lm_head.weight" not in params:
        params["lm_head.weight"] = params["wte.weight"]  # tied
    return cfg, params


# --- the forward pass (tokens are rows) ---------------------------------------------------------

def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


_erf = np.vectorize(math.erf)


def gelu_erf(x):  # the exact GELU: a MISTAKE for GPT-2, used only to measure sensitivity
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layer_norm(x, g, b, eps, ddof=0):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True, ddof=ddof)  # ddof=0: biased, as GPT-2
    return (x - mean) / np.sqrt(var + eps) * g + b


def forward(cfg, p, ids, mistake=None):
    """Logits (T, vocab) for token ids. `mistake` injects one classic bug (sensitivity check)."""
    T = len(ids)
    C, H = cfg["n_embd"], cfg["n_head"]
    d = C // H
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    if mistake == "eps_1e-6":
        eps = 1e-6 if eps != 1e-6 else 1e-5
    ddof = 1 if mistake == "unbiased_variance" else 0
    gelu = gelu_erf if mistake == "erf_gelu" else gelu_tanh
    positions = np.arange(T) + (1 if mistake == "positions_off_by_one" else 0)

    x = p["wte.weight"][ids] + p["wpe.weight"][positions]            # (T, C)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)               # j > i: masked
    for l in range(cfg["n_layer"]):
        h = f"h.{l}."
        a = layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps, ddof)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]   # (T, 3C)
        q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
        heads = []
        for head in range(H):
            s = slice(head * d, (head + 1) * d)
            scores = q[:, s] @ k[:, s].T                               # (T, T)
            if mistake != "no_scale":
                scores = scores / math.sqrt(d)
            if mistake != "no_causal_mask":
                scores = np.where(future, -np.inf, scores)
            scores = scores - scores.max(axis=1, keepdims=True)
            w = np.exp(scores)
            w = w / w.sum(axis=1, keepdims=True)
            heads.append(w @ v[:, s])                                   # (T, d)
        att = np.concatenate(heads, axis=1)                             # (T, C)
        x = x + att @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps, ddof)
        m = gelu(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])  # (T, 4C)
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps, ddof)
    return x @ p["lm_head.weight"].T                                     # (T, vocab)


def greedy(cfg, p, prompt):
    """Argmax decoding (ties: the lowest id) until the context window's last position has
    produced its token: the text then holds n_positions + 1 tokens (the last is never fed back)."""
    ids = list(prompt)
    new_ids, step_logits, margin = [], [], float("inf")
    while len(ids) <= cfg["n_positions"]:
        last = forward(cfg, p, ids)[-1]
        top2 = np.sort(last)[-2:]
        margin = min(margin, float(top2[1] - top2[0]))
        nxt = int(np.argmax(last))
        new_ids.append(nxt)
        step_logits.append(last)
        ids.append(nxt)
    return new_ids, step_logits, margin


def rounded(a, digits=6):
    return [round(float(v), digits) for v in np.asarray(a).ravel()]


def top(a, k=10):
    """The k largest logits as [id, logit] pairs, largest first (ties: lowest id first)."""
    ids = np.argsort(-a, kind="stable")[:k]
    return [[int(i), round(float(a[i]), 6)] for i in ids]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fixture_reference(name, out_dir):
    folder = os.path.join(ROOT, "data", "fixtures", name)
    cfg, p = load_model(folder)
    V, P = cfg["vocab_size"], cfg["n_positions"]
    compact = V > COMPACT_ABOVE_VOCAB
    rng = np.random.default_rng(7)
    prompts = [[int(rng.integers(V))],
               HELLO if compact else [int(i) for i in rng.integers(V, size=5)],
               [int(i) for i in rng.integers(V, size=P)]]   # the full context window
    cases = []
    for ids in prompts:
        logits = forward(cfg, p, ids)
        if compact:
            cases.append({"prompt_ids": ids, "top_logits": [top(row) for row in logits]})
        else:
            cases.append({"prompt_ids": ids, "logits": [rounded(row) for row in logits]})

    # Greedy from a short prompt to the full window. Pick the first candidate prompt whose
    # argmax never comes within 2e-3 of a tie, so float32 rounding cannot flip a token, and
    # whose continuation is not one token repeated (at least 5 distinct ids), so a decoding
    # bug cannot hide behind a constant output.
    for attempt in range(50):
        prompt = [int(i) for i in np.random.default_rng(100 + attempt).integers(V, size=4)]
        if compact and attempt == 0:
            prompt = HELLO
        new_ids, step_logits, margin = greedy(cfg, p, prompt)
        if margin > 2e-3 and len(set(new_ids)) >= 5:
            break
    else:
        raise SystemExit(f"{name}: no greedy prompt with a safe argmax margin")

    # How far each classic mistake moves the logits: each must be far above TOLERANCE,
    # or the C++ test could not tell it apart from rounding.
    sensitivity = {}
    for mistake in ["erf_gelu", "eps_1e-6", "unbiased_variance", "no_scale",
                    "positions_off_by_one", "no_causal_mask"]:
        diff = 0.0
        for case in [prompts[1], prompts[2][:P - 1]]:
            diff = max(diff, float(np.abs(forward(cfg, p, case, mistake) - forward(cfg, p, case)).max()))
        sensitivity[mistake] = float(f"{diff:.3g}")
        if diff < 10 * TOLERANCE:
            print(f"warning: {name}: the mistake {mistake} moves logits by only {diff:.2g}", file=sys.stderr)

    ref = {
        "what": f"GPT-2 logits for data/fixtures/{name}, from tests/tools/reference_gpt2.py "
                "(independent numpy implementation, float64 math on the stored weights)",
        "fixture": f"data/fixtures/{name}",
        "model_sha256": sha256(os.path.join(folder, "model.safetensors")),
        "config": {k: cfg[k] for k in ["n_layer", "n_head", "n_embd", "n_positions",
                                       "vocab_size", "layer_norm_epsilon"]},
        "tolerance": TOLERANCE,
        "sensitivity": sensitivity,
        "cases": cases,
        "greedy": {"prompt_ids": prompt, "new_ids": new_ids, "min_top2_margin": round(margin, 6)},
    }
    if compact:
        ref["greedy"]["step_top_logits"] = [top(s) for s in step_logits]
    else:
        ref["greedy"]["step_logits"] = [rounded(s) for s in step_logits]
    path = os.path.join(out_dir, name + ".json")
    with open(path, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path):,} bytes); "
          f"greedy margin {margin:.3g}; sensitivity {sensitivity}")


# --- random_gpt2 regenerated: the same counter-based formula as chapters/03_forward_pass/gpt2_weights.cpp ----------

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64_int(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def mix64_array(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform_tensor(n, key, scale, chunk=1 << 22):
    """Element i = (r_i − 2^23)·scale, r_i = top 24 bits of mix64(key + (i+1)·GOLDEN), float32."""
    out = np.empty(n, dtype=np.float32)
    for start in range(0, n, chunk):
        i = np.arange(start, min(n, start + chunk), dtype=np.uint64)
        with np.errstate(over="ignore"):
            bits = mix64_array(np.uint64(key) + (i + np.uint64(1)) * np.uint64(GOLDEN))
        r = (bits >> np.uint64(40)).astype(np.int64) - (1 << 23)
        out[start:start + len(i)] = r.astype(np.float32) * scale   # float32 × float32
    return out


def random_gpt2(cfg, seed):
    """name → float32 array in the checkpoint's shapes, with the tensor order of gpt2_weights.cpp."""
    C, V, P, L = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"], cfg["n_layer"]
    spec = [("wte.weight", (V, C), "normal"), ("wpe.weight", (P, C), "normal")]
    for l in range(L):
        h = f"h.{l}."
        spec += [(h + "ln_1.weight", (C,), "one"), (h + "ln_1.bias", (C,), "zero"),
                 (h + "attn.c_attn.weight", (C, 3 * C), "normal"), (h + "attn.c_attn.bias", (3 * C,), "zero"),
                 (h + "attn.c_proj.weight", (C, C), "residual"), (h + "attn.c_proj.bias", (C,), "zero"),
                 (h + "ln_2.weight", (C,), "one"), (h + "ln_2.bias", (C,), "zero"),
                 (h + "mlp.c_fc.weight", (C, 4 * C), "normal"), (h + "mlp.c_fc.bias", (4 * C,), "zero"),
                 (h + "mlp.c_proj.weight", (4 * C, C), "residual"), (h + "mlp.c_proj.bias", (C,), "zero")]
    spec += [("ln_f.weight", (C,), "one"), ("ln_f.bias", (C,), "zero")]
    std = {"normal": 0.02, "residual": 0.02 / math.sqrt(2.0 * L)}
    scale = {k: np.float32(s * math.sqrt(3.0) / 8388608.0) for k, s in std.items()}  # a / 2^23
    seed_key = mix64_int(seed & M64)
    params = {}
    for k, (name, shape, init) in enumerate(spec):
        n = int(np.prod(shape))
        if init in scale:
            a = uniform_tensor(n, mix64_int((seed_key + k) & M64), scale[init])
        else:
            a = np.full(n, 1.0 if init == "one" else 0.0, dtype=np.float32)
        params[name] = a.reshape(shape)
    return params, [s[0] for s in spec]


def random_reference(label, cfg, seed, prompt, out_dir):
    weights, order = random_gpt2(cfg, seed)
    rng = np.random.default_rng(11)
    samples = []
    for name in order:
        a = weights[name].ravel()
        picks = [0, a.size - 1] + [int(i) for i in rng.integers(a.size, size=2)]
        for i in picks:
            # C++: the memory index of the Armadillo matrix (column-major (out, in) = this
            # row-major (in, out) index).
            samples.append({"tensor": name, "index": i, "value": float(a[i])})
    sums = {name: float(weights[name].astype(np.float64).sum()) for name in order}

    p = {k: v.astype(np.float64) for k, v in weights.items()}
    p["lm_head.weight"] = p["wte.weight"]
    full = dict(cfg, layer_norm_epsilon=1e-5)
    last = forward(full, p, prompt)[-1]
    ref = {
        "what": f"random_gpt2({label}, seed {seed}) regenerated in numpy by "
                "tests/tools/reference_gpt2.py with the counter-based formula of "
                "chapters/03_forward_pass/gpt2_weights.cpp; logits from its independent float64 forward pass",
        "config": cfg,
        "seed": seed,
        "samples": samples,
        "tensor_sums": sums,
        "prompt_ids": prompt,
        "last_logits": rounded(last, 7),
    }
    path = os.path.join(out_dir, f"random_gpt2_{label}.json")
    with open(path, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path):,} bytes)")


def mini_reference(out_dir):
    """data/mini, the small model trained here: its logits on a State of the Union sentence and
    a greedy continuation, so the C++ can be checked on trained (not random) weights."""
    folder = os.path.join(ROOT, "data", "mini")
    if not os.path.exists(os.path.join(folder, "model.safetensors")):
        print("skipped data/mini (not trained yet: /usr/bin/python3 data/mini/train.py)")
        return
    cfg, p = load_model(folder)
    # "Fellow-Citizens of the Senate and of the House of Representatives: I am happy to"
    # (chapter 01's ids; the tokenizer has its own tests)
    prompt = [37, 5037, 12, 34, 34100, 286, 262, 3845, 290, 286, 262, 2097, 286, 17132, 25, 314, 716, 3772, 284]
    logits = forward(cfg, p, prompt)
    ids, step_top, margin = list(prompt), [], float("inf")
    for _ in range(24):  # greedy, recomputing everything each step (the naive way, in float64)
        last = forward(cfg, p, ids)[-1]
        order = np.argsort(-last, kind="stable")
        margin = min(margin, float(last[order[0]] - last[order[1]]))
        step_top.append(top(last))
        ids.append(int(order[0]))
    ref = {
        "what": "GPT-2 logits for data/mini (the small model trained here), from tests/tools/reference_gpt2.py "
                "(independent numpy implementation, float64 math on the stored F16 weights)",
        "model_sha256": sha256(os.path.join(folder, "model.safetensors")),
        "config": {k: cfg[k] for k in ["n_layer", "n_head", "n_embd", "n_positions", "vocab_size",
                                       "layer_norm_epsilon"]},
        "tolerance": 2e-4,
        "prompt_ids": prompt,
        "top_logits": [top(row) for row in logits],
        "last_logits": rounded(logits[-1], 7),
        "greedy": {"prompt_ids": prompt, "new_ids": ids[len(prompt):], "min_top2_margin": round(margin, 6),
                   "step_top_logits": step_top},
    }
    path = os.path.join(out_dir, "mini.json")
    with open(path, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path):,} bytes); greedy margin {margin:.3g}")


def main():
    out_dir = os.path.join(ROOT, "tests", "reference")
    os.makedirs(out_dir, exist_ok=True)
    if "--mini-only" in sys.argv:  # after training the small model: only its reference
        mini_reference(out_dir)
        return
    for name in FIXTURES:
        fixture_reference(name, out_dir)
    tiny = {"n_layer": 2, "n_head": 4, "n_embd": 32, "n_positions": 64, "vocab_size": 384}
    random_reference("tiny", tiny, 7, [5, 17, 300, 2, 99], out_dir)
    mini_reference(out_dir)
    if "--tiny-only" not in sys.argv:
        small = {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024, "vocab_size": 50257}
        # "Hello, my dog is cute and" and two more GPT-2 ids: any 8 ids < 50257 would do.
        random_reference("124m", small, 1234, [15496, 11, 616, 3290, 318, 13779, 290, 50256], out_dir)


if __name__ == "__main__":
    main()
