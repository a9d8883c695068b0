#!/usr/bin/python3
"""Measures the small model the way its model card reports it, on the weights as shipped
(data/mini/model.safetensors, F16):

  - held-out perplexity (teacher-forced, windows of 256 tokens), next to a unigram model's
    (token frequencies of the training text, add-one smoothed) on the same held-out text;
  - for every attention head, its mean weight on the previous token and on the first token of
    each window, over the held-out text (previous-token heads; the attention sink).

    /usr/bin/python3 data/mini/evaluate.py      # after build_corpus.sh and train.py; ~1 min

Writes data/mini/evaluation.json and prints the numbers.
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402  (the model's definition: one definition, in train.py)


def load_shipped(path):
    """The MiniGPT2 of train.py with the weights read back from the shipped safetensors file."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    def tensor(name):
        e = header[name]
        a, b = e["data_offsets"]
        assert e["dtype"] == "F16", name
        return torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float16).astype(np.float32).reshape(e["shape"]))
    model = train.MiniGPT2()
    sd = {"wte.weight": tensor("wte.weight"), "wpe.weight": tensor("wpe.weight"),
          "ln_f.weight": tensor("ln_f.weight"), "ln_f.bias": tensor("ln_f.bias")}
    for i in range(train.N_LAYER):
        p = f"h.{i}."
        for ours, theirs, transpose in [("ln_1", "ln_1", False), ("ln_2", "ln_2", False),
                                        ("c_attn", "attn.c_attn", True), ("c_proj", "attn.c_proj", True),
                                        ("c_fc", "mlp.c_fc", True), ("mlp_proj", "mlp.c_proj", True)]:
            w = tensor(p + theirs + ".weight")
            sd[p + ours + ".weight"] = w.t().contiguous() if transpose else w
            sd[p + ours + ".bias"] = tensor(p + theirs + ".bias")
    model.load_state_dict(sd)
    model.eval()
    return model


@torch.no_grad()
def head_habits(model, ids, windows):
    """Mean attention weight on the previous token and on the window's first token, per head."""
    d, H = train.N_EMBD, train.N_HEAD
    prev = torch.zeros(train.N_LAYER, H)
    first = torch.zeros(train.N_LAYER, H)
    P = train.N_POSITIONS
    for s in range(windows):
        x = ids[s * P:(s + 1) * P][None, :]
        h = model.wte(x) + model.wpe(torch.arange(P))
        for l, block in enumerate(model.h):
            q, k, v = block.c_attn(block.ln_1(h)).split(d, dim=2)
            heads = lambda t: t.view(1, P, H, d // H).transpose(1, 2)
            q, k = heads(q), heads(k)
            scores = (q @ k.transpose(-2, -1) / math.sqrt(d // H)).masked_fill(
                ~torch.ones(P, P, dtype=torch.bool).tril(), float("-inf"))
            w = scores.softmax(dim=-1)[0]  # (H, queries, keys)
            q_idx = torch.arange(1, P)
            prev[l] += w[:, q_idx, q_idx - 1].mean(dim=1)
            first[l] += w[:, 1:, 0].mean(dim=1)
            h = block(h)
    return prev / windows, first / windows


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    corpus = "build/mini"
    train_ids = train.load_ids(os.path.join(corpus, "train.ids"))
    heldout = train.load_ids(os.path.join(corpus, "heldout.ids"))
    model = load_shipped("data/mini/model.safetensors")

    loss = train.heldout_loss(model, heldout)
    counts = np.bincount(train_ids.numpy(), minlength=train.VOCAB).astype(np.float64) + 1.0
    unigram = math.exp(-np.log((counts / counts.sum())[heldout.numpy()]).mean())
    windows = min(64, heldout.numel() // train.N_POSITIONS)
    prev, first = head_habits(model, heldout, windows)
    heads = [{"layer": l, "head": h, "previous_token": round(float(prev[l, h]), 4),
              "first_token": round(float(first[l, h]), 4)}
             for l in range(train.N_LAYER) for h in range(train.N_HEAD)]
    heads.sort(key=lambda r: -r["previous_token"])
    result = {
        "heldout_tokens": int(heldout.numel()),
        "heldout_loss": round(loss, 5),
        "heldout_perplexity": round(math.exp(loss), 2),
        "unigram_perplexity": round(unigram, 2),
        "perplexity_ratio": round(math.exp(loss) / unigram, 4),
        "head_habits_windows": windows,
        "heads": heads,
    }
    with open("data/mini/evaluation.json.tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace("data/mini/evaluation.json.tmp", "data/mini/evaluation.json")
    print(f"held-out perplexity {result['heldout_perplexity']} (unigram {result['unigram_perplexity']}, "
          f"ratio {result['perplexity_ratio']}) over {result['heldout_tokens']:,} tokens")
    print(f"strongest previous-token head: layer {heads[0]['layer']} head {heads[0]['head']}: "
          f"{heads[0]['previous_token']:.3f} on the previous token, {heads[0]['first_token']:.3f} on the first "
          f"(over {windows} held-out windows of {train.N_POSITIONS} tokens)")
    print("wrote data/mini/evaluation.json")


if __name__ == "__main__":
    main()
