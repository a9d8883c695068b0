// decode_references.hpp — the greedy continuations the independent numpy implementation
// produced for the fixture models (tests/reference/, see its README), for chapters 04 and 05.
#pragma once

#include <string>
#include <vector>

namespace decode_references {

struct GreedyReference {
    std::string name;        // fixture name
    std::string model_path;  // what load_gpt2() takes
    std::vector<int> prompt;
    std::vector<int> continuation;  // greedy, no early stop
};

// Every reference continuation found (fails the calling test if there are none).
std::vector<GreedyReference> greedy_references();

}  // namespace decode_references
