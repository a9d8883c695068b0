// bench.hpp — chapter 07's --bench (README step 6): decode tokens/s at every batch size next
// to the roofline's prediction, and static against continuous batching on a mixed workload.
#pragma once

#include "07_batched_decoding/options.hpp"
#include "03_forward_pass/gpt2_weights.hpp"
#include "07_batched_decoding/requests.hpp"

#include <string>
#include <vector>

namespace chapter07 {

int run_bench(const Flags& flags, const gpt2::Gpt2Weights& weights);

// "1 2 4 8" → sorted, distinct sizes in [1, 128]; a UserError naming --bench-batches otherwise.
std::vector<int> parse_batch_sizes(const std::string& text);

// The mixed workload: `count` requests whose prompts (8–64 tokens) and limits (8–128 new
// tokens) differ, so that a static batch waits for its longest member.
std::vector<gpt2::Request> mixed_workload(int count, int vocab_size);

}  // namespace chapter07
