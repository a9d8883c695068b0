// verify.hpp — --verify (chapter 07, step 5): batching changes the speed, nothing else.
// Every request is run again ALONE through chapter 05's cached decoding, with its own seed,
// and compared token by token and logit by logit with what it got inside the batch.
#pragma once

#include "07_batched_decoding/scheduler.hpp"

#include <string>
#include <vector>

namespace gpt2 {

struct RequestCheck {
    int index = 0;
    bool identical = false;      // the same generated tokens
    int first_difference = 0;    // 1-based step of the first different token; 0 when none
    float max_abs_logit_diff = 0;  // over the steps both runs made
};

// `batched` must come from serve() with options.capture_logits.
std::vector<RequestCheck> compare_with_solo_runs(const Gpt2Weights& weights, const std::vector<Request>& requests,
                                                 const ServeOptions& options, const ServeResult& batched);

// A UserError naming the first request that differs (--verify's non-zero exit); nothing when
// every request matched.
void require_identical(const std::vector<RequestCheck>& checks, const std::string& what);

}  // namespace gpt2
