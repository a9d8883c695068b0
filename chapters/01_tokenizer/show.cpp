// show.cpp — chapter 01's walkthrough, shown (see show.hpp). Every number comes from main.cpp;
// the one thing recomputed here is the word between merges, for the printout.
#include "01_tokenizer/show.hpp"

#include "01_tokenizer/tool.hpp"  // hex, in_quotes, pad, join_ids
#include "common/report.hpp"

#include <algorithm>
#include <cstdio>

namespace gpt2::ch01 {

namespace {

constexpr std::size_t SHOW_MAX = 40;  // the walkthrough prints at most this many items per step

std::string spelled(const Tokenizer& tok, const std::vector<int>& parts) {
    std::string out;
    for (int id : parts) out += (out.empty() ? "" : " ") + tok.token_symbols(id);
    return out;
}

// Replays the merges on a list of parts, one at a time, to print the word after each one.
// (merge_word always merges the leftmost copy of the lowest-ranked pair: so does this.)
void apply(std::vector<int>& parts, const MergeStep& step) {
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
        if (parts[i] == step.left && parts[i + 1] == step.right) {
            parts[i] = step.merged;
            parts.erase(parts.begin() + static_cast<long>(i) + 1);
            return;
        }
}

}  // namespace

void print_walkthrough_title(const std::string& text) {
    std::printf("Chapter 01 — GPT-2's tokenizer, step by step\n");
    std::printf("text: %s\n\n", in_quotes(text).c_str());
}

void print_pieces(const std::vector<Piece>& pieces) {
    std::printf("\nStep 3 — pre-tokens (GPT-2's regex; merges never cross them): %zu\n ", pieces.size());
    for (std::size_t i = 0; i < pieces.size() && i < SHOW_MAX; ++i)
        std::printf(" %s%s", in_quotes(pieces[i].bytes).c_str(), pieces[i].special ? "[special]" : "");
    std::printf("%s\n", pieces.size() > SHOW_MAX ? " ..." : "");
}

void print_merges(const Tokenizer& tok, const std::string& word, const std::vector<int>& ids,
                  const std::vector<MergeStep>& trace) {
    std::vector<int> parts;
    for (unsigned char b : word) parts.push_back(tok.byte_token(b));
    std::printf("\nStep 4 — BPE merges inside %s: %zu bytes → %zu token(s) in %zu merges\n", in_quotes(word).c_str(),
                word.size(), ids.size(), trace.size());
    std::printf("  %s %s\n", pad("start (one token per byte)", 28).c_str(), spelled(tok, parts).c_str());
    for (const MergeStep& step : trace) {
        apply(parts, step);
        std::printf("  %s %s\n",
                    pad(format("rank %5d: %s + %s", step.rank, tok.token_symbols(step.left).c_str(),
                               tok.token_symbols(step.right).c_str()),
                        28)
                        .c_str(),
                    spelled(tok, parts).c_str());
    }
}

Json merges_json(const Tokenizer& tok, const std::string& word, const std::vector<int>& ids,
                 const std::vector<MergeStep>& trace) {
    Json steps = Json::array();
    for (const MergeStep& step : trace)
        steps.push_back({{"rank", step.rank},
                         {"left", tok.token_symbols(step.left)},
                         {"right", tok.token_symbols(step.right)},
                         {"merged", tok.token_symbols(step.merged)},
                         {"merged_id", step.merged}});
    return {{"pretoken", word}, {"steps", steps}, {"ids", ids}};
}

void print_ids(const Tokenizer& tok, const std::vector<int>& ids, std::size_t text_bytes) {
    std::printf("\nStep 5 — ids: %zu tokens for %zu bytes\n", ids.size(), text_bytes);
    std::printf("  %s%s\n", join_ids(std::vector<int>(ids.begin(), ids.begin() + std::min(ids.size(), SHOW_MAX))).c_str(),
                ids.size() > SHOW_MAX ? " ..." : "");
    std::printf("  %6s  %s %s\n", "id", pad("in vocab files", 16).c_str(), "bytes");
    for (std::size_t i = 0; i < ids.size() && i < SHOW_MAX; ++i)
        std::printf("  %6d  %s %s\n", ids[i], pad(tok.token_symbols(ids[i]), 16).c_str(),
                    in_quotes(tok.token_bytes(ids[i])).c_str());
    if (ids.size() > SHOW_MAX) std::printf("  ... (%zu more)\n", ids.size() - SHOW_MAX);
}

void print_round_trip(std::size_t decoded_bytes, bool round_trip) {
    std::printf("\nStep 6 — back to text: decode(ids) gives %zu bytes; equal to the text: %s\n", decoded_bytes,
                round_trip ? "yes" : "NO");
}

void print_walkthrough_json(const Tokenizer& tok, const std::string& text, bool allow_special,
                            const std::vector<Piece>& pieces, const Json& merges, const std::vector<int>& ids,
                            bool round_trip) {
    Json pretokens = Json::array();
    for (const Piece& piece : pieces) pretokens.push_back(piece.bytes);
    Json tokens = Json::array();
    for (int id : ids)
        tokens.push_back({{"id", id}, {"symbols", tok.token_symbols(id)}, {"bytes_hex", hex(tok.token_bytes(id))}});
    print_json(Json({{"text", text},
                     {"bytes", text.size()},
                     {"allow_special", allow_special},
                     {"pretokens", pretokens},
                     {"merges", merges},
                     {"ids", ids},
                     {"tokens", tokens},
                     {"round_trip", round_trip}}),
               1);
}

}  // namespace gpt2::ch01
