#!/usr/bin/env python3
"""Writes broken model folders and tokenizer folders for tests/cli/reliability_bad_input.sh.

    make_bad_inputs.py FIXTURE_DIR VOCAB_DIR OUT_DIR

FIXTURE_DIR is a good tiny model (data/fixtures/tiny_gpt2: config.json + model.safetensors);
every case below is that model with exactly one thing broken, in OUT_DIR/<case>/. VOCAB_DIR
holds the real encoder.json + vocab.bpe; OUT_DIR/tok_<case>/ are broken copies of it.
Prints the case names, one per line. Standard library only.
"""
import json
import math
import os
import shutil
import struct
import sys

fixture, vocab, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)

raw = open(os.path.join(fixture, "model.safetensors"), "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
config = json.load(open(os.path.join(fixture, "config.json")))
tensors = [k for k in header if k != "__metadata__"]
first = min(tensors, key=lambda k: header[k]["data_offsets"][0])
last = max(tensors, key=lambda k: header[k]["data_offsets"][1])
weight = next(k for k in tensors if k.endswith("mlp.c_fc.weight"))


def emit(case, model_bytes=None, header_obj=None, data_bytes=None, config_obj=None, config_text=None,
         skip_model=False, skip_config=False):
    folder = os.path.join(out, case)
    os.makedirs(folder, exist_ok=True)
    if not skip_model:
        if model_bytes is None:
            h = json.dumps(header if header_obj is None else header_obj).encode()
            model_bytes = struct.pack("<Q", len(h)) + h + (data if data_bytes is None else data_bytes)
        open(os.path.join(folder, "model.safetensors"), "wb").write(model_bytes)
    if not skip_config:
        text = config_text if config_text is not None else json.dumps(config if config_obj is None else config_obj)
        open(os.path.join(folder, "config.json"), "w").write(text)
    print(case)


def edited(name, **changes):
    h = json.loads(json.dumps(header))
    for key, value in changes.items():
        if value is None:
            del h[name][key]
        else:
            h[name][key] = value
    return h


def raw_header(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


# --- the safetensors container (every malformation a loader must refuse) -----------------
emit("st_empty_file", model_bytes=b"")
emit("st_shorter_than_8_bytes", model_bytes=b"\x10\x00\x00")
emit("st_header_longer_than_file", model_bytes=struct.pack("<Q", len(raw) * 2) + raw[8:])
emit("st_header_length_2_pow_63", model_bytes=struct.pack("<Q", 1 << 63) + raw[8:])
emit("st_header_not_json", model_bytes=raw_header("{\"wte.weight\": [1, 2") + data)
emit("st_header_not_object", model_bytes=raw_header("[1, 2, 3]") + data)
emit("st_tensor_without_dtype", header_obj=edited(weight, dtype=None))
emit("st_tensor_without_shape", header_obj=edited(weight, shape=None))
emit("st_tensor_without_offsets", header_obj=edited(weight, data_offsets=None))
emit("st_unknown_dtype", header_obj=edited(weight, dtype="F7"))
emit("st_negative_shape", header_obj=edited(weight, shape=[-32, -128]))
emit("st_overflowing_shape", header_obj=edited(weight, shape=[4294967296, 4294967296, 4294967296]))
b, e = header[last]["data_offsets"]
emit("st_offsets_outside_data", header_obj=edited(last, data_offsets=[b, e + 4096]))
b, e = header[weight]["data_offsets"]
emit("st_offsets_reversed", header_obj=edited(weight, data_offsets=[e, b]))
emit("st_size_not_shape_times_dtype", header_obj=edited(weight, shape=header[weight]["shape"][:1]))
emit("st_truncated_data", data_bytes=data[: len(data) - 100])
# Bytes that belong to no tensor (the format allows no holes): at the end, and before a tensor.
emit("st_trailing_bytes", data_bytes=data + b"\0" * 12)
emit("st_hole_before_a_tensor", header_obj={k: (v if k == "__metadata__" else dict(v, data_offsets=[o + 16 for o in v["data_offsets"]])) for k, v in header.items()},
     data_bytes=b"\0" * 16 + data)
# Two entries with the same name: JSON parsers keep one silently; built by hand.
dup_text = json.dumps(header)[:-1] + ", " + json.dumps(weight) + ": " + json.dumps(header[first]) + "}"
emit("st_duplicate_tensor_names", model_bytes=raw_header(dup_text) + data)
b0, e0 = header[first]["data_offsets"]
emit("st_overlapping_ranges", header_obj=edited(weight, data_offsets=[b0, b0 + (header[weight]["data_offsets"][1]
                                                                             - header[weight]["data_offsets"][0])]))
# A header of exactly 100 MiB of valid JSON (metadata padding): refused by its length.
pad = 100 * 1024 * 1024
big = dict(header)
big["__metadata__"] = {"format": "pt", "pad": ""}
base_len = len(json.dumps(big).encode())
big["__metadata__"]["pad"] = "x" * (pad - base_len)
emit("st_valid_json_header_100mib", header_obj=big)
# NaN / Inf weights: refused (documented in tests/README.md), naming the tensor.
for case, value in (("st_nan_weight", float("nan")), ("st_inf_weight", float("inf"))):
    b, e = header[weight]["data_offsets"]
    poisoned = bytearray(data)
    poisoned[b + 8:b + 12] = struct.pack("<f", value)
    emit(case, data_bytes=bytes(poisoned))

# --- the GPT-2 layer ----------------------------------------------------------------------
# The tensor and its bytes go, later tensors move down: the format allows no holes.
h = json.loads(json.dumps(header))
b, e = h.pop(weight)["data_offsets"]
for k in h:
    if k != "__metadata__":
        h[k]["data_offsets"] = [o - (e - b) if o >= e else o for o in h[k]["data_offsets"]]
emit("gpt2_required_tensor_missing", header_obj=h, data_bytes=data[:b] + data[e:])
wpe = next(k for k in tensors if k.endswith("wpe.weight"))
rows, cols = header[wpe]["shape"]
emit("gpt2_shape_disagrees_with_config", config_obj=dict(config, n_positions=rows // 2, n_ctx=rows // 2))

# --- config.json --------------------------------------------------------------------------
emit("cfg_missing", skip_config=True)
emit("cfg_not_json", config_text="{\"n_layer\": 2,")
emit("cfg_not_an_object", config_text="[2, 4, 32]")
emit("cfg_missing_key", config_obj={k: v for k, v in config.items() if k != "n_embd"})
emit("cfg_wrong_type", config_obj=dict(config, n_head="4"))
emit("cfg_fractional_layers", config_obj=dict(config, n_layer=2.5))
emit("cfg_n_layer_zero", config_obj=dict(config, n_layer=0))
emit("cfg_n_layer_negative", config_obj=dict(config, n_layer=-2))
emit("cfg_embd_not_divisible_by_heads", config_obj=dict(config, n_head=5))
emit("cfg_absurd_sizes_terabytes", config_obj=dict(config, n_layer=1000, n_embd=65536, n_head=64))
emit("cfg_integer_overflow", config_text=json.dumps(dict(config, n_layer=0)).replace(
    '"n_layer": 0', '"n_layer": 99999999999999999999'))
emit("cfg_number_too_large_for_double", config_text=json.dumps(dict(config, n_layer=0)).replace(
    '"n_layer": 0', '"n_layer": 1e999'))
emit("cfg_huge_file", config_text=json.dumps(dict(config, pad="x" * (2 * 1024 * 1024))))

# --- tokenizer files ----------------------------------------------------------------------
def tok(case, encoder=None, merges=None):
    folder = os.path.join(out, "tok_" + case)
    os.makedirs(folder, exist_ok=True)
    for name, content in (("encoder.json", encoder), ("vocab.bpe", merges)):
        path = os.path.join(folder, name)
        if content is None:
            shutil.copy(os.path.join(vocab, name), path)
        else:
            open(path, "wb").write(content)
    print("tok_" + case)


if os.path.isfile(os.path.join(vocab, "encoder.json")):
    enc = open(os.path.join(vocab, "encoder.json"), "rb").read()
    bpe = open(os.path.join(vocab, "vocab.bpe"), "rb").read()
    tok("truncated_json", encoder=enc[: len(enc) // 2])
    tok("json_not_object", encoder=b"[1, 2, 3]")
    tok("merge_line_one_token", merges=bpe.replace(b"\n\xc4\xa0 t\n", b"\n\xc4\xa0t\n", 1))
    tok("merge_line_three_tokens", merges=bpe.replace(b"\n\xc4\xa0 t\n", b"\n\xc4\xa0 t x\n", 1))
    tok("merges_truncated", merges=bpe[: len(bpe) // 2])
    tok("encoder_id_changed", encoder=enc.replace(b'"!": 0', b'"!": 7', 1))
    tok("missing_files", encoder=b"", merges=b"")
    os.remove(os.path.join(out, "tok_missing_files", "encoder.json"))
    os.remove(os.path.join(out, "tok_missing_files", "vocab.bpe"))
