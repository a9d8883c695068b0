// cached_decode.hpp — what main.cpp (generate, --cache concat, --verify) and bench.cpp (--bench)
// of chapter 05 share: the flags.
#pragma once

#include "04_naive_decode/generation_flags.hpp"
#include "03_forward_pass/gpt2_weights.hpp"
#include "03_forward_pass/model_flags.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chapter05 {

struct Flags {
    gpt2::ModelFlags model;
    gpt2::GenerationFlags generation;
    std::string cache = "preallocated";  // --cache preallocated|concat
    bool verify = false;                 // --verify
    bool bench = false;                  // --bench
    std::string bench_tokens = "16 32 64 128 256 512";
    int bench_prompt_tokens = 16;
    std::string out_dir;                 // --out-dir (default: build/out)
    bool force = false;                  // --force
};

// --bench: naive vs cached (and concat) over growing outputs; see README step 6.
int run_bench(const Flags& flags, const gpt2::Gpt2Weights& weights, const std::optional<gpt2::Tokenizer>& tokenizer);

// "16 32 64" → sorted, distinct counts in [1, max]; UserError naming --bench-tokens otherwise.
std::vector<int> parse_token_counts(const std::string& text, int max);

}  // namespace chapter05
