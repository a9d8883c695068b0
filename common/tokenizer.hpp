// tokenizer.hpp — GPT-2's byte-level BPE tokenizer, byte-exact with the original.
//
// text → UTF-8 bytes → bytes_to_unicode → pre-tokens (GPT-2's regex) → BPE merges by rank
// → ids; and back: ids → token strings → bytes → text. See chapters/01_tokenizer/README.md.
#pragma once

#include <string>
#include <vector>

namespace gpt2 {

class Tokenizer {
public:
    static constexpr int END_OF_TEXT = 50256;  // <|endoftext|>

    // Reads encoder.json and vocab.bpe from vocab_dir (default: data/tokenizer, fetched by
    // `make setup`). Throws UserError if a file is missing or malformed.
    static Tokenizer load(const std::string& vocab_dir);

    // Throws UserError for invalid UTF-8 (naming the byte offset). With allow_special, the
    // literal text <|endoftext|> becomes END_OF_TEXT; otherwise it is ordinary text.
    std::vector<int> encode(const std::string& text, bool allow_special = false) const;
    // Exact bytes (possibly not valid UTF-8 when cut mid-character). Throws UserError for an
    // id outside [0, vocab_size()).
    std::string decode(const std::vector<int>& ids) const;
    int vocab_size() const;

    // (The implementation adds the step-by-step pieces chapter 01 shows.)
};

}  // namespace gpt2
