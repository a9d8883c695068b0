// decode_references.hpp — the greedy continuations the independent numpy implementation
// (tests/tools/reference_gpt2.py) produced for the fixture models: tests/reference/<fixture>.json,
// field "greedy" (see tests/reference/README.md). Used by chapters 04 and 05.
#pragma once

#include "04_naive_decode/generate.hpp"

#include <armadillo>
#include <string>
#include <vector>

namespace decode_references {

struct GreedyReference {
    std::string name;                   // fixture name, e.g. "tiny_gpt2"
    std::string model_path;             // what load_gpt2() takes
    std::vector<int> prompt;
    std::vector<int> continuation;      // argmax decoding until the window is full
    std::vector<arma::fvec> step_logits;// step k: last-position logits before continuation[k]
    double tolerance = 1e-4;            // max |C++ − reference| a float32 forward must meet
};

// Every fixture's reference found in tests/reference/ (empty if none: callers fail then).
std::vector<GreedyReference> greedy_references();

// Checks one greedy run of `ref`'s fixture (either decoding path) against the reference: it ran
// until the window was full, and at every step its logits are within ref.tolerance and its
// token is the reference's (doctest checks; the first differing token stops the comparison).
void check_greedy_run(const GreedyReference& ref, const gpt2::Generation& run);

}  // namespace decode_references
