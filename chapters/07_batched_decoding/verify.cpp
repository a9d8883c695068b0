#include "07_batched_decoding/verify.hpp"

#include "05_cached_decode/cached_decode.hpp"  // generate_cached: the solo run (chapter 05)
#include "05_cached_decode/kv_cache.hpp"

#include "common/errors.hpp"
#include "common/report.hpp"

#include <algorithm>
#include <stdexcept>

namespace gpt2 {

std::vector<RequestCheck> compare_with_solo_runs(const Gpt2Weights& weights, const std::vector<Request>& requests,
                                                 const ServeOptions& options, const ServeResult& batched) {
    if (!options.capture_logits) throw std::logic_error("compare_with_solo_runs needs serve() with capture_logits");
    std::vector<RequestCheck> checks;
    KVCache cache(weights.config);  // one cache, reset for each solo run
    for (std::size_t r = 0; r < requests.size(); ++r) {
        GenerationOptions solo;
        solo.max_new_tokens = requests[r].max_new_tokens;
        solo.sampling = options.sampling;
        solo.sampling.seed = requests[r].seed;
        solo.stop_at_end_of_text = options.stop_at_end_of_text;
        solo.capture_logits = true;
        cache.reset();
        const Generation alone = generate_cached(weights, requests[r].prompt_ids, solo, cache);
        const RequestResult& together = batched.requests[r];

        RequestCheck check;
        check.index = requests[r].index;
        check.identical = alone.generated_ids == together.generated_ids;
        const std::size_t steps = std::min(alone.generated_ids.size(), together.generated_ids.size());
        for (std::size_t i = 0; i < steps; ++i) {
            check.max_abs_logit_diff =
                std::max(check.max_abs_logit_diff, arma::abs(alone.step_logits[i] - together.step_logits[i]).max());
            if (check.first_difference == 0 && alone.generated_ids[i] != together.generated_ids[i])
                check.first_difference = static_cast<int>(i) + 1;
        }
        if (!check.identical && check.first_difference == 0) check.first_difference = static_cast<int>(steps) + 1;
        checks.push_back(check);
    }
    return checks;
}

void require_identical(const std::vector<RequestCheck>& checks, const std::string& what) {
    for (const RequestCheck& c : checks)
        if (!c.identical)
            throw UserError(format("--verify: %s %d differs from its solo run from step %d on (max |logit diff| %.2e); "
                                   "a bug, or a near-tie the tiny logit differences flipped",
                                   what.c_str(), c.index, c.first_difference, c.max_abs_logit_diff));
}

}  // namespace gpt2
