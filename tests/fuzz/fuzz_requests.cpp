// fuzz_requests.cpp — libFuzzer target for chapter 07's request reader (gpt2::parse_requests).
//
// The input is a whole requests file (JSON Lines). Parsing must succeed or throw
// gpt2::UserError with a one-line message; when it succeeds every request must be servable:
// 1 … n_positions ids, each inside the vocabulary, indices 0, 1, 2, … in order, a limit of new
// tokens ≥ 0. Anything else (another exception, a sanitizer report) aborts the fuzzer.
// Run: make fuzz FUZZ_SECONDS=60  (see tests/README.md)
#include "07_batched_decoding/requests.hpp"
#include "common/errors.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_requests: invariant broken: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    gpt2::Gpt2Config config;
    config.n_positions = 16;
    config.vocab_size = 1000;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const std::vector<gpt2::Request> requests =
            gpt2::parse_requests(text, "fuzz.jsonl", {8, 1234}, config, nullptr);
        check(!requests.empty(), "accepted a file without requests");
        for (std::size_t i = 0; i < requests.size(); ++i) {
            const gpt2::Request& r = requests[i];
            check(r.index == static_cast<int>(i), "indices out of order");
            check(!r.prompt_ids.empty() && r.prompt_ids.size() <= 16, "accepted a prompt that cannot be served");
            for (int id : r.prompt_ids) check(id >= 0 && id < 1000, "accepted an id outside the vocabulary");
            check(r.max_new_tokens >= 0, "accepted a negative limit");
        }
    } catch (const gpt2::UserError& e) {
        check(e.what()[0] != '\0' && std::strchr(e.what(), '\n') == nullptr, "an error message that is not one line");
    }
    return 0;
}
