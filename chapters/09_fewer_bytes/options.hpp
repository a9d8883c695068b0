// options.hpp — chapter 09's flags (scripts call them exactly so):
//   ./chapter09 [--model M] [--weights fp32|bf16] [--kv fp32|fp16|bf16|int8] [-p TEXT |
//               --prompt-ids IDS] [-n N] [sampling flags] [--compare] [--bench] [--json]
#pragma once

#include "03_forward_pass/model_flags.hpp"        // --model, -p, --prompt-ids, --json (chapter 03)
#include "04_naive_decode/generation_flags.hpp"   // -n, sampling flags, --seed (chapter 04)

#include <string>

namespace chapter09 {

struct Flags {
    gpt2::ModelFlags model;
    gpt2::GenerationFlags generation;
    std::string weights = "fp32";   // --weights fp32|bf16
    std::string kv = "fp32";        // --kv fp32|fp16|bf16|int8
    bool weights_given = false, kv_given = false;
    bool new_tokens_given = false;  // -n given (--compare decodes 64 tokens per prompt otherwise)
    bool compare = false;           // --compare
    bool bench = false;             // --bench
    std::string out_dir;            // --out-dir
    bool force = false;
};

bool parse_flags(int argc, char** argv, Flags& flags);

}  // namespace chapter09
