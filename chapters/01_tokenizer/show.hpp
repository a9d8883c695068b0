// show.hpp — how chapter 01's walkthrough shows what main.cpp computes: the printout of
// steps 3 to 6, and the same numbers as one JSON object (--json).
#pragma once

#include "01_tokenizer/tokenizer.hpp"  // Tokenizer, MergeStep
#include "common/json_out.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace gpt2::ch01 {

// One pre-token of the text (step 3).
struct Piece {
    std::string bytes;
    bool special;  // <|endoftext|> with --allow-special: never merged, id 50256
};

// The walkthrough's first lines: its title and the text.
void print_walkthrough_title(const std::string& text);
// Step 3: how many pre-tokens, and the first ones.
void print_pieces(const std::vector<Piece>& pieces);
// Step 4: `word` spelled as tokens after each merge of `trace` (encode_word's record), from
// one token per byte to `ids`.
void print_merges(const Tokenizer& tok, const std::string& word, const std::vector<int>& ids,
                  const std::vector<MergeStep>& trace);
// The same merges for --json: {"pretoken", "steps": [{"rank", "left", "right", "merged", "merged_id"}], "ids"}.
Json merges_json(const Tokenizer& tok, const std::string& word, const std::vector<int>& ids,
                 const std::vector<MergeStep>& trace);
// Step 5: the ids, then the first ones with their symbols and bytes.
void print_ids(const Tokenizer& tok, const std::vector<int>& ids, std::size_t text_bytes);
// Step 6: what decode gave back.
void print_round_trip(std::size_t decoded_bytes, bool round_trip);
// --json: every step's result as one object (merges: merges_json, or null for an empty text).
void print_walkthrough_json(const Tokenizer& tok, const std::string& text, bool allow_special,
                            const std::vector<Piece>& pieces, const Json& merges, const std::vector<int>& ids,
                            bool round_trip);

}  // namespace gpt2::ch01
