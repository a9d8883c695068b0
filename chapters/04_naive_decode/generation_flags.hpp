// generation_flags.hpp — the flags that control generating (chapters 04 and 05), spelled the
// same in both so that the same command line gives the same tokens in either chapter.
//
//   -n, --max-new-tokens N   --greedy   --temperature T   --top-k K   --top-p P
//   -s, --seed N             --ignore-eos
#pragma once

#include "common/cli.hpp"
#include "04_naive_decode/generate.hpp"
#include "03_forward_pass/model_flags.hpp"

#include <string>

namespace gpt2 {

struct GenerationFlags {
    int max_new_tokens = 64;
    bool greedy = false;
    double temperature = SamplingSettings().temperature;
    int top_k = SamplingSettings().top_k;
    double top_p = SamplingSettings().top_p;
    long long seed = static_cast<long long>(SamplingSettings().seed);
    bool ignore_eos = false;
};

// Declares the flags on `cli`; `flags` holds the defaults shown in --help.
void add_generation_flags(CliParser& cli, GenerationFlags& flags);
// Chapters 04 and 05 start alike: the prompt defaults to `sample_prompt` and the length to
// `default_new_tokens`, then the model flags and the generation flags are declared on `cli`.
void add_decoding_flags(CliParser& cli, ModelFlags& model, GenerationFlags& generation, const std::string& sample_prompt,
                        int default_new_tokens);
// "Sampling defaults: temperature 0.8, top-k 40, top-p 0.95, seed 1234 (as in common tools)."
// — from the defaults themselves, so --help cannot drift from the code.
std::string sampling_defaults_line();
// After cli.parse(): the options for generate_naive / generate_cached (validated; --greedy
// wins over --temperature).
GenerationOptions generation_options(const GenerationFlags& flags);

}  // namespace gpt2
