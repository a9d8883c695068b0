// report.hpp — what chapter 05 prints: the summary after a generation, its --json object,
// the --cache concat comparison, and --verify's table. Plumbing: no lesson code here.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"
#include "04_naive_decode/generate.hpp"
#include "04_naive_decode/sampling.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "01_tokenizer/tokenizer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chapter05 {

// Time to first token, per output token, tokens/s, cache and resident memory.
void print_summary(const gpt2::Generation& run, const gpt2::KVCache& cache, const gpt2::Gpt2Config& config);
// The --json object of a default run (chapter 04's fields plus "cache_layout", "cache", ...).
void print_generation_json(const gpt2::Generation& run, const gpt2::KVCache& cache, const std::string& layout,
                           const gpt2::Tokenizer* tokenizer, const gpt2::SamplingSettings& sampling,
                           const std::string& model);
// --cache concat against the preallocated cache: ms/token, and the bytes the copies moved.
void print_concat_comparison(const gpt2::Generation& concat, const gpt2::Generation& preallocated,
                             const gpt2::Gpt2Config& config);

// --verify's comparison, step by step.
struct VerifyResult {
    std::vector<int> prompt;
    gpt2::Generation naive, cached;
    std::vector<double> max_abs_logit_diff;  // per step
    double worst = 0;
    int worst_step = 0, first_difference = -1;  // -1: none
    bool identical = false;
};
void print_verify(const VerifyResult& v, const gpt2::SamplingSettings& sampling, bool json);

}  // namespace chapter05
