#!/usr/bin/python3
"""Trains the small GPT-2 ("mini") the chapters run on when the real weights are not there.

    bash data/mini/build_corpus.sh                 # the corpus, tokenized by chapter 01
    /usr/bin/python3 data/mini/train.py            # about an hour on 2 cores; resumable
    /usr/bin/python3 data/mini/train.py --steps 20 --out build/mini/smoke   # a quick try

GPT-2's architecture exactly (pre-LN blocks, tanh GELU, learned positions, tied embeddings,
GPT-2's 50,257-token vocabulary), only smaller: 4 layers, 4 heads, n_embd 128, 256
positions. Written from the GPT-2 paper and Hugging Face's GPT2Model description, not from
the C++ (which must then agree with it: tests/tools/reference_gpt2.py checks the logits).

Reproducible: fixed seeds, 2 threads, deterministic algorithms, batches drawn from a seeded
generator. A checkpoint is written every --checkpoint-every steps and at the end; a run that
is interrupted resumes from it (--resume is the default when the checkpoint exists).
Writes, under --out (default data/mini):
  config.json, model.safetensors (F16, Hugging Face layout), loss.csv (step, loss, lr, seconds)
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

N_LAYER, N_HEAD, N_EMBD, N_POSITIONS, VOCAB = 4, 4, 128, 256, 50257


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default="build/mini", help="folder with train.ids and heldout.ids")
    p.add_argument("--out", default="data/mini", help="where config.json, model.safetensors, loss.csv go")
    p.add_argument("--steps", type=int, default=4100, help="optimizer steps")
    p.add_argument("--full-vocab-steps", type=int, default=300,
                   help="the last steps score all 50,257 tokens; the steps before score only the tokens the "
                        "training text contains (about 2.5x faster: the output projection is most of the work)")
    p.add_argument("--batch", type=int, default=8, help="sequences per step")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    p.add_argument("--warmup", type=int, default=100, help="steps of linear warm-up")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--checkpoint-every", type=int, default=100)
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("--fp32", dest="bf16", action="store_false",
                   help="matrix products in float32 (default: bfloat16 through torch.autocast, ~1.4x faster "
                        "on CPUs with AVX-512 BF16; the weights and the optimizer stay float32)")
    return p.parse_args()


# --- the model: GPT-2, written out -------------------------------------------------------------
class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        d = N_EMBD
        self.ln_1 = torch.nn.LayerNorm(d, eps=1e-5)
        self.c_attn = torch.nn.Linear(d, 3 * d)
        self.c_proj = torch.nn.Linear(d, d)
        self.ln_2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.c_fc = torch.nn.Linear(d, 4 * d)
        self.mlp_proj = torch.nn.Linear(4 * d, d)

    def forward(self, x):  # x: (B, T, d)
        B, T, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        heads = lambda t: t.view(B, T, N_HEAD, d // N_HEAD).transpose(1, 2)  # (B, h, T, hd)
        q, k, v = heads(q), heads(k), heads(v)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // N_HEAD)  # (B, h, T, T)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        scores = scores.masked_fill(~mask, float("-inf"))
        a = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.c_proj(a)
        h = self.c_fc(self.ln_2(x))
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3)))
        return x + self.mlp_proj(h)


class MiniGPT2(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(VOCAB, N_EMBD)
        self.wpe = torch.nn.Embedding(N_POSITIONS, N_EMBD)
        self.h = torch.nn.ModuleList(Block() for _ in range(N_LAYER))
        self.ln_f = torch.nn.LayerNorm(N_EMBD, eps=1e-5)
        # GPT-2's initialisation: N(0, 0.02); the residual projections scaled by 1/sqrt(2·n_layer)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                torch.nn.init.zeros_(p)
            elif "ln_" in name:
                torch.nn.init.ones_(p)
            else:
                std = 0.02 / math.sqrt(2 * N_LAYER) if name.endswith("proj.weight") else 0.02
                torch.nn.init.normal_(p, 0.0, std)

    def hidden(self, ids):  # ids: (B, T) → the final LayerNorm's output (B, T, d)
        T = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x)
        return self.ln_f(x)

    def forward(self, ids):  # ids: (B, T) → logits (B, T, vocab)
        return self.hidden(ids) @ self.wte.weight.t()  # tied: the output projection is wte


# --- data ----------------------------------------------------------------------------------
def load_ids(path):
    with open(path) as f:
        ids = np.array(f.read().split(), dtype=np.int64)
    if ids.size == 0 or ids.min() < 0 or ids.max() >= VOCAB:
        sys.exit(f"train: {path} does not hold GPT-2 token ids; run bash data/mini/build_corpus.sh")
    return torch.from_numpy(ids)


def batch(ids, generator, size):
    starts = torch.randint(0, ids.numel() - N_POSITIONS - 1, (size,), generator=generator)
    x = torch.stack([ids[s:s + N_POSITIONS] for s in starts.tolist()])
    y = torch.stack([ids[s + 1:s + 1 + N_POSITIONS] for s in starts.tolist()])
    return x, y


@torch.no_grad()
def heldout_loss(model, ids, windows=None):
    """Mean next-token loss over the held-out ids, in windows of N_POSITIONS (teacher-forced).
    With `windows`, only the first that many windows (a quick estimate during training)."""
    model.eval()
    usable = (ids.numel() - 1) // N_POSITIONS
    if windows is not None:
        usable = min(usable, windows)
    x = ids[:usable * N_POSITIONS].view(usable, N_POSITIONS)
    y = ids[1:usable * N_POSITIONS + 1].view(usable, N_POSITIONS)
    total = 0.0
    for s in range(0, usable, 16):  # 16 windows per forward: one matrix product, not 16
        logits = model(x[s:s + 16])
        total += F.cross_entropy(logits.reshape(-1, VOCAB), y[s:s + 16].reshape(-1), reduction="sum").item()
    model.train()
    return total / y.numel()


# --- saving in the Hugging Face layout ------------------------------------------------------
def hf_tensors(model):
    """GPT-2's names and Conv1D layouts: c_attn/c_proj/c_fc weights stored as (in, out)."""
    sd = {k: v.detach().float() for k, v in model.state_dict().items()}
    out = {"wte.weight": sd["wte.weight"], "wpe.weight": sd["wpe.weight"]}
    for i in range(N_LAYER):
        p = f"h.{i}."
        out[p + "ln_1.weight"], out[p + "ln_1.bias"] = sd[p + "ln_1.weight"], sd[p + "ln_1.bias"]
        out[p + "attn.c_attn.weight"], out[p + "attn.c_attn.bias"] = sd[p + "c_attn.weight"].t(), sd[p + "c_attn.bias"]
        out[p + "attn.c_proj.weight"], out[p + "attn.c_proj.bias"] = sd[p + "c_proj.weight"].t(), sd[p + "c_proj.bias"]
        out[p + "ln_2.weight"], out[p + "ln_2.bias"] = sd[p + "ln_2.weight"], sd[p + "ln_2.bias"]
        out[p + "mlp.c_fc.weight"], out[p + "mlp.c_fc.bias"] = sd[p + "c_fc.weight"].t(), sd[p + "c_fc.bias"]
        out[p + "mlp.c_proj.weight"], out[p + "mlp.c_proj.bias"] = sd[p + "mlp_proj.weight"].t(), sd[p + "mlp_proj.bias"]
    out["ln_f.weight"], out["ln_f.bias"] = sd["ln_f.weight"], sd["ln_f.bias"]
    return out


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save_safetensors(path, tensors):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().numpy().astype(np.float16).tobytes()
        header[name] = {"dtype": "F16", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)  # the data starts 8-aligned
    write_atomically(path, struct.pack("<Q", len(head)) + head + b"".join(chunks))


def save_config(path):
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
              "n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD, "n_positions": N_POSITIONS,
              "n_ctx": N_POSITIONS, "vocab_size": VOCAB, "layer_norm_epsilon": 1e-5,
              "bos_token_id": 50256, "eos_token_id": 50256, "tie_word_embeddings": True}
    write_atomically(path, (json.dumps(config, indent=2) + "\n").encode())


# --- training ------------------------------------------------------------------------------
def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    train_ids = load_ids(os.path.join(args.corpus, "train.ids"))
    heldout_ids = load_ids(os.path.join(args.corpus, "heldout.ids"))
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.corpus, "checkpoint.pt" if args.out == "data/mini" else
                             os.path.basename(os.path.normpath(args.out)) + ".checkpoint.pt")

    model = MiniGPT2()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(args.seed)
    step, log, elapsed, cpu = 0, [], 0.0, 0.0
    if os.path.exists(ckpt_path) and not args.fresh:
        ckpt = torch.load(ckpt_path)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        generator.set_state(ckpt["generator"])
        step, log, elapsed, cpu = ckpt["step"], ckpt["log"], ckpt["elapsed"], ckpt.get("cpu", 0.0)
        print(f"train: resuming from {ckpt_path} at step {step}", flush=True)
    # Tokens the training text contains: the only possible targets. Scoring just these in the
    # softmax (24,845 of 50,257 for this corpus) halves the largest product; the last
    # --full-vocab-steps score every token, which pushes the never-seen ones' logits down.
    seen = torch.unique(train_ids)
    position_in_seen = torch.full((VOCAB,), -1, dtype=torch.long)
    position_in_seen[seen] = torch.arange(seen.numel())
    params = sum(p.numel() for p in model.parameters())
    print(f"train: {params:,} parameters, {train_ids.numel():,} training tokens, "
          f"{args.steps} steps of {args.batch}x{N_POSITIONS} tokens ({seen.numel():,} distinct tokens scored "
          f"until the last {args.full_vocab_steps} steps)", flush=True)

    def lr_at(s):  # linear warm-up, then cosine down to a tenth
        if s < args.warmup:
            return args.lr * (s + 1) / args.warmup
        t = (s - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    def checkpoint():
        tmp = ckpt_path + ".tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "generator": generator.get_state(),
                    "step": step, "log": log, "elapsed": elapsed, "cpu": cpu}, tmp)
        os.replace(tmp, ckpt_path)

    tty = sys.stdout.isatty()
    while step < args.steps:
        started, started_cpu = time.time(), time.process_time()
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        x, y = batch(train_ids, generator, args.batch)
        full_vocab = step >= args.steps - args.full_vocab_steps
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            h = model.hidden(x)
            if full_vocab:
                logits, target = h @ model.wte.weight.t(), y
            else:
                logits, target = h @ model.wte.weight[seen].t(), position_in_seen[y]
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), target.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        elapsed += time.time() - started
        cpu += time.process_time() - started_cpu  # CPU seconds, every thread: steady when the machine is shared
        row = {"step": step, "loss": loss.item(), "lr": lr_at(step - 1), "seconds": elapsed, "cpu_seconds": cpu,
               "scored": VOCAB if full_vocab else seen.numel()}
        if step == args.steps:
            row["heldout_loss"] = heldout_loss(model, heldout_ids)  # the whole held-out text
        elif step % args.eval_every == 0:
            row["heldout_loss"] = heldout_loss(model, heldout_ids, windows=48)  # its first 12,288 tokens
        log.append(row)
        line = (f"step {step}/{args.steps}  loss {row['loss']:.3f}  lr {row['lr']:.2e}  "
                f"{elapsed / 60:.1f} min, {elapsed / step * (args.steps - step) / 60:.0f} min left")
        if "heldout_loss" in row:
            line += f"  held-out loss {row['heldout_loss']:.3f} (perplexity {math.exp(row['heldout_loss']):.1f})"
        if tty and "heldout_loss" not in row:
            print("\r" + line + "   ", end="", flush=True)
        elif tty or "heldout_loss" in row or step % 50 == 0:
            print(("\r" if tty else "") + line, flush=True)
        if step % args.checkpoint_every == 0:
            checkpoint()
    checkpoint()

    save_config(os.path.join(args.out, "config.json"))
    save_safetensors(os.path.join(args.out, "model.safetensors"), hf_tensors(model))
    with open(os.path.join(args.out, "loss.csv.tmp"), "w") as f:
        f.write("step,loss,heldout_loss,lr,seconds,cpu_seconds,scored_tokens\n")
        for r in log:
            heldout = f"{r['heldout_loss']:.5f}" if "heldout_loss" in r else ""
            f.write(f"{r['step']},{r['loss']:.5f},{heldout},{r['lr']:.6g},{r['seconds']:.1f},"
                    f"{r.get('cpu_seconds', 0):.1f},{r.get('scored', VOCAB)}\n")
    os.replace(os.path.join(args.out, "loss.csv.tmp"), os.path.join(args.out, "loss.csv"))
    print(f"train: wrote {args.out}/config.json, model.safetensors, loss.csv "
          f"({elapsed / 60:.1f} min of training, {cpu / 60:.1f} CPU-minutes)", flush=True)


if __name__ == "__main__":
    main()
