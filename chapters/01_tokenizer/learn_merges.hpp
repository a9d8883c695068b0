// learn_merges.hpp — where vocab.bpe's merges come from: byte-pair encoding *trained* on a text
// (chapters/01_tokenizer/README.md, step 4). GPT-2's 50,000 merges are the output of this loop
// run over its training text; here it runs on a few words, small enough to follow by hand.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpt2 {

struct LearnedMerge {
    std::string left, right;  // the two symbols' raw bytes; the new symbol is left + right
    int count;                // how often the pair stood side by side when it was chosen
};

// Learns up to `merges` merges from `text`. The text is cut into pre-tokens with GPT-2's pattern
// (a merge never crosses one), each pre-token starts as one symbol per byte, and each round:
//   1. count every pair of neighbouring symbols, over every pre-token;
//   2. take the most frequent pair (on a tie, the pair that occurs first in the text);
//   3. merge it everywhere, left to right, and record it.
// Stops early when every pre-token is a single symbol. Throws UserError for invalid UTF-8.
std::vector<LearnedMerge> learn_merges(std::string_view text, int merges);

}  // namespace gpt2
