// bench.hpp — chapter 01, step 7: how fast the tokenizer is (./chapter01 --bench).
#pragma once

#include <string>

namespace gpt2::ch01 {

// Encodes and decodes `megabytes` MB of English — the license texts every Debian system has,
// or `file` when given — and prints MB/s for each phase (as JSON with as_json). Returns 0.
int run_bench(const std::string& vocab_dir, const std::string& file, int megabytes, bool as_json);

}  // namespace gpt2::ch01
