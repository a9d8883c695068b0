// bench.hpp — chapter 08's --bench (README step 7), on GPT-2 124M's shapes:
//   1. decode step time, paged against contiguous, over cache lengths and batch sizes;
//   2. block sizes: step time and memory waste;
//   3. one budget, two admission rules: requests running at once, throughput, waste;
//   4. sharing: 8 samples of a 512-token prompt, with and without shared blocks.
#pragma once

#include "08_paged_kv_cache/options.hpp"
#include "03_forward_pass/gpt2_weights.hpp"

namespace chapter08 {

int run_bench(const Flags& flags, const gpt2::Gpt2Weights& weights);

}  // namespace chapter08
