// bench.hpp — chapter 09's --bench (README step 7): decode tokens/s of every combination of
// weight and cache formats on GPT-2 124M's shapes, beside each weight format's ceiling (one
// sweep over every weight, in that format), measured in the same run.
#pragma once

#include "09_fewer_bytes/options.hpp"

namespace chapter09 {

int run_bench(const Flags& flags);

}  // namespace chapter09
