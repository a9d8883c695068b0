// ragged_requests.hpp — what the serving tests of chapters 07 and 08 run: the tiny fixture
// model and a queue of requests that differ in every way a batch can be ragged, and three
// prompts for the small trained model.
#pragma once

#include "03_forward_pass/gpt2_weights.hpp"
#include "07_batched_decoding/requests.hpp"
#include "common/paths.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gpt2_test {

// The tiny fixture (2 layers, 4 heads, n_embd 32, a 64-token window, 384 tokens), by the real
// loader, loaded once.
inline const gpt2::Gpt2Weights& tiny_fixture() {
    static const gpt2::Gpt2Weights weights = gpt2::load_gpt2(gpt2::project_root() + "/data/fixtures/tiny_gpt2");
    return weights;
}

// Requests of different prompt lengths and limits: some stop at -n, one runs into the window
// (a 40-token prompt + 30 > 64), one asks for nothing, one for a single token.
inline std::vector<gpt2::Request> ragged_requests(int vocab) {
    const int prompt_lengths[] = {1, 7, 40, 3, 12, 5, 20};
    const int limits[] = {9, 3, 30, 0, 17, 1, 11};
    std::vector<gpt2::Request> requests;
    for (int i = 0; i < 7; ++i) {
        gpt2::Request r;
        r.index = i;
        for (int t = 0; t < prompt_lengths[i]; ++t) r.prompt_ids.push_back((i * 31 + t * 17 + 5) % vocab);
        r.max_new_tokens = limits[i];
        r.seed = static_cast<std::uint64_t>(100 + i);
        requests.push_back(r);
    }
    return requests;
}

// Three prompts for the small trained model (data/mini), as token ids — "The state of the
// Union is", "We must", "The Congress" — request i generating at most limits[i] tokens,
// with seed 7 + i.
inline std::vector<gpt2::Request> small_model_requests(const std::vector<int>& limits) {
    const std::vector<std::vector<int>> prompts = {{464, 1181, 286, 262, 4479, 318}, {1135, 1276}, {464, 3162}};
    std::vector<gpt2::Request> requests;
    for (std::size_t i = 0; i < prompts.size() && i < limits.size(); ++i) {
        gpt2::Request r;
        r.index = static_cast<int>(i);
        r.prompt_ids = prompts[i];
        r.max_new_tokens = limits[i];
        r.seed = 7 + i;
        requests.push_back(r);
    }
    return requests;
}

}  // namespace gpt2_test
