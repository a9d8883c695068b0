// requests.hpp — what chapter 07 serves: a queue of requests, each a prompt with its own
// length limit and its own seed.
//
// A requests file is JSON Lines, one request per line:
//     {"prompt": "The state of the Union is"}
//     {"prompt_ids": [464, 3290], "max_new_tokens": 20, "seed": 7}
// "max_new_tokens" defaults to -n and "seed" to --seed + the request's index (0-based, in file
// order; blank lines do not count), so `./chapter05 -p ... --seed S` reproduces any request.
// The file is untrusted input: every mistake is one line naming the file, the line and what
// is wrong, and nothing runs.
#pragma once

#include "01_tokenizer/tokenizer.hpp"        // text prompts → ids (chapter 01)
#include "03_forward_pass/gpt2_config.hpp"   // the window and the vocabulary (chapter 03)

#include <cstdint>
#include <string>
#include <vector>

namespace gpt2 {

struct Request {
    int index = 0;                 // order of arrival (0-based)
    std::vector<int> prompt_ids;   // 1 … n_positions ids
    int max_new_tokens = 0;
    std::uint64_t seed = 0;
};

// What a request gets when it does not say: -n and --seed (+ its index).
struct RequestDefaults {
    int max_new_tokens = 32;
    std::uint64_t seed = 1234;
};

// Parses a whole JSON Lines text; `where` names it in errors ("requests.jsonl"). A text
// prompt needs `tokenizer` (nullptr: only "prompt_ids" lines are accepted).
std::vector<Request> parse_requests(const std::string& text, const std::string& where, const RequestDefaults& defaults,
                                    const Gpt2Config& config, const Tokenizer* tokenizer);
// The same from a file ("-" = standard input), at most 64 MiB.
std::vector<Request> read_requests(const std::string& path, const RequestDefaults& defaults, const Gpt2Config& config,
                                   const Tokenizer* tokenizer);

// The built-in queue when no file is given: prompts of different lengths, each with its own
// length limit, so that sequences finish at different steps.
std::vector<Request> builtin_requests(const RequestDefaults& defaults, const Gpt2Config& config,
                                      const Tokenizer& tokenizer);

// Tokens the requests can generate at most: each one's limit, within the window (the total of
// a progress line; <|endoftext|> may end a request sooner).
long long most_new_tokens(const std::vector<Request>& requests, int n_positions);

}  // namespace gpt2
