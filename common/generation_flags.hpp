// generation_flags.hpp — the flags that control generating (chapters 04 and 05), spelled the
// same in both so that the same command line gives the same tokens in either chapter.
//
//   -n, --max-new-tokens N   --greedy   --temperature T   --top-k K   --top-p P
//   -s, --seed N             --ignore-eos
#pragma once

#include "cli.hpp"
#include "decode.hpp"

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
// After cli.parse(): the options for generate_naive / generate_cached (validated; --greedy
// wins over --temperature).
GenerationOptions generation_options(const GenerationFlags& flags);

}  // namespace gpt2
