#!/usr/bin/env python3
"""Second reference for chapter 01: GPT-2's own algorithm (encoder.py in openai/gpt-2,
restated here: bytes_to_unicode, get_pairs, bpe, encode) run with the Python `regex` module,
the regex engine GPT-2 itself used.

Why a second one: regex engines disagree on a few white-space characters. JavaScript's \\s
(used by gpt-tokenizer) counts U+FEFF but not U+0085; PCRE2's \\s counts U+180E; Python's
`regex` (GPT-2's) follows Unicode's White_Space property. For those characters the truth is
what GPT-2's engine does, so these cases come from this script.

Usage: python3 tests/tools/gpt2_original_reference.py   (needs python3-regex and `make setup`)
Writes tests/reference/tokenizer/expected_ids_original.json, and checks that this script
agrees with gpt-tokenizer on every case of expected_ids.json (it prints the count).
"""
import datetime
import json
import os
import sys

import regex

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
VOCAB = os.path.join(ROOT, "data", "tokenizer")
REFERENCE = os.path.join(ROOT, "tests", "reference", "tokenizer")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    return set(zip(word, word[1:]))


class Encoder:
    def __init__(self):
        with open(os.path.join(VOCAB, "encoder.json"), encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(os.path.join(VOCAB, "vocab.bpe"), encoding="utf-8") as f:
            merges = [tuple(line.split()) for line in f.read().split("\n")[1:-1]]
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.byte_encoder = bytes_to_unicode()
        self.cache = {}
        self.pat = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        ids = []
        for token in regex.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids


def main():
    enc = Encoder()
    # 1) agree with gpt-tokenizer wherever both apply
    with open(os.path.join(REFERENCE, "expected_ids.json"), encoding="utf-8") as f:
        first = json.load(f)
    checked = 0
    for case in first["cases"]:
        if case["allow_special"]:
            continue
        if enc.encode(case["text"]) != case["ids"]:
            sys.exit("encoder.py and gpt-tokenizer disagree on case " + case["name"])
        checked += 1
    # 2) the white space the engines disagree on
    texts = {
        "nel_after_space": "a \u0085b",
        "nel_run": "x\u0085\n y",
        "bom_after_space": "a \ufeffb",
        "bom_run": "\ufeff\ufeff z",
        "mongolian_vowel_separator": "a \u180eb and \u180e\u180e c",
        "ascii_separators": "a \x1c\x1d\x1e\x1f b",
        "line_paragraph_separators": "one\u2028two \u2029 three",
        "zero_width_space": "a \u200bb",
        "mixed_unicode_spaces": "\u00a0\u00a0x \u3000\u3000 y\u0085 \u2003z ",
    }
    cases = [{"name": name, "text": text, "allow_special": False, "ids": enc.encode(text)}
             for name, text in texts.items()]
    output = {
        "about": "Expected GPT-2 ids for white space that regex engines classify differently. Made by "
                 "tests/tools/gpt2_original_reference.py: GPT-2's own encoder.py algorithm with the Python "
                 "regex module (GPT-2's engine). The same script reproduces every ordinary case of "
                 "expected_ids.json (gpt-tokenizer).",
        "generator": {
            "algorithm": "openai/gpt-2 src/encoder.py (restated)",
            "regex_module": regex.__version__,
            "python": sys.version.split()[0],
            "date": datetime.date.today().isoformat(),
            "agrees_with_gpt_tokenizer_cases": checked,
            "script": "tests/tools/gpt2_original_reference.py",
        },
        "cases": cases,
    }
    path = os.path.join(REFERENCE, "expected_ids_original.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n\"about\": " + json.dumps(output["about"], ensure_ascii=False) + ",\n\"generator\": " +
                json.dumps(output["generator"]) + ",\n\"cases\": [\n" +
                ",\n".join("  " + json.dumps(c) for c in cases) + "\n]\n}\n")
    print(f"agrees with gpt-tokenizer on {checked} cases; wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
