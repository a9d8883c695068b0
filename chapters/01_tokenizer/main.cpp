// Chapter 01 — GPT-2's tokenizer, byte-exact.
//
// What it adds: text → ids and back, exactly as GPT-2 does it: UTF-8 bytes, the byte-to-
// character map, the pre-tokenizer regex, BPE merges by rank, ids; then ids → bytes → text.
// The work is done by chapters/01_tokenizer/tokenizer.{hpp,cpp}; this program shows every step on a text.
// Builds on: nothing (first chapter). Later chapters call Tokenizer::encode / decode.
//
// Run:  make chapter01 && ./chapter01                  walk a sample sentence through the steps
//       ./chapter01 "your text"                       the same walk for your text
//       ./chapter01 --ids "Hello world"               15496 995
//       ./chapter01 --decode "15496 995"              Hello world
//       ./chapter01 --bench                           MB/s on a few MB of English
// Lesson: chapters/01_tokenizer/README.md
#include "01_tokenizer/tokenizer.hpp"
#include "01_tokenizer/tool.hpp"  // the flags, --ids/--decode/--bench, how bytes are shown
#include "common/errors.hpp"
#include "common/json_out.hpp"
#include "common/report.hpp"
#include "common/utf8.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using gpt2::ch01::hex;
using gpt2::ch01::in_quotes;
using gpt2::ch01::join_ids;
using gpt2::ch01::pad;
using gpt2::format;
using gpt2::Tokenizer;
using gpt2::Json;

namespace {

const char* const SAMPLE = "GPT-2's tokenizer doesn't split    spaces\n évidemment 🙂 12345";
constexpr std::size_t SHOW_MAX = 40;  // the walkthrough prints at most this many items per step
constexpr std::size_t WALKTHROUGH_MAX_BYTES = 1 << 20;  // longer texts: use --ids

// --- 1. Text → UTF-8 bytes ------------------------------------------------------------------------

// [listing:ch01_utf8_bytes]
// Every character is 1 to 4 bytes; GPT-2 never sees characters, only these bytes.
void show_bytes(const std::string& text) {
    std::printf("Step 1 — the text as UTF-8 bytes (%zu)\n", text.size());
    std::printf("  %s%s\n", hex(std::string_view(text).substr(0, 24)).c_str(), text.size() > 24 ? " ..." : "");
    std::size_t shown = 0;
    for (std::size_t pos = 0; pos < text.size() && shown < 6;) {
        const std::size_t start = pos;
        gpt2::next_code_point(text, pos);
        if (pos - start > 1) {  // a character beyond ASCII
            std::printf("  '%s' is %zu bytes: %s\n", text.substr(start, pos - start).c_str(), pos - start,
                        hex(std::string_view(text).substr(start, pos - start)).c_str());
            ++shown;
        }
    }
}
    // [/listing]

// --- 2. Bytes → printable characters ---------------------------------------------------------------

void show_byte_symbols(const std::string& text) {
    std::printf("\nStep 2 — each byte as a printable character (bytes_to_unicode; ' ' → 'Ġ', '\\n' → 'Ċ')\n");
    const std::string symbols = gpt2::to_byte_symbols(text.substr(0, 120));
    std::printf("  %s%s\n", symbols.c_str(), text.size() > 120 ? " ..." : "");
}

// --- 3. Pre-tokens -------------------------------------------------------------------------------

struct Piece {
    std::string bytes;
    bool special;  // <|endoftext|> with --allow-special: never merged, id 50256
};

// The pre-tokens of the text; with allow_special each literal <|endoftext|> is cut out first.
std::vector<Piece> pieces_of(const Tokenizer& tok, const std::string& text, bool allow_special) {
    const std::string special = "<|endoftext|>";
    std::vector<Piece> pieces;
    std::size_t start = 0;
    while (true) {
        const std::size_t hit = allow_special ? text.find(special, start) : std::string::npos;
        for (std::string& p : tok.pretokenize(std::string_view(text).substr(start, hit - start)))
            pieces.push_back({std::move(p), false});
        if (hit == std::string::npos) break;
        pieces.push_back({special, true});
        start = hit + special.size();
    }
    return pieces;
}

void show_pieces(const std::vector<Piece>& pieces) {
    std::printf("\nStep 3 — pre-tokens (GPT-2's regex; merges never cross them): %zu\n ", pieces.size());
    for (std::size_t i = 0; i < pieces.size() && i < SHOW_MAX; ++i)
        std::printf(" %s%s", in_quotes(pieces[i].bytes).c_str(), pieces[i].special ? "[special]" : "");
    std::printf("%s\n", pieces.size() > SHOW_MAX ? " ..." : "");
}

// --- 4. The merges inside one pre-token ------------------------------------------------------------

// The pre-token whose merges are most worth watching: the one with the most of them.
std::size_t busiest_piece(const Tokenizer& tok, const std::vector<Piece>& pieces) {
    std::size_t best = 0, best_merges = 0;
    for (std::size_t i = 0; i < pieces.size() && i < 1000; ++i) {
        if (pieces[i].special || pieces[i].bytes.size() > 64) continue;
        std::vector<gpt2::MergeStep> trace;
        tok.encode_word(pieces[i].bytes, &trace);
        if (trace.size() > best_merges) best = i, best_merges = trace.size();
    }
    return best;
}

std::string spelled(const Tokenizer& tok, const std::vector<int>& parts) {
    std::string out;
    for (int id : parts) out += (out.empty() ? "" : " ") + tok.token_symbols(id);
    return out;
}

// Replays the merges on a list of parts, one at a time, to print the word after each one.
// (merge_word always merges the leftmost copy of the lowest-ranked pair: so does this.)
void apply(std::vector<int>& parts, const gpt2::MergeStep& step) {
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
        if (parts[i] == step.left && parts[i + 1] == step.right) {
            parts[i] = step.merged;
            parts.erase(parts.begin() + static_cast<long>(i) + 1);
            return;
        }
}

Json show_merges(const Tokenizer& tok, const std::string& word, bool print) {
    std::vector<gpt2::MergeStep> trace;
    const std::vector<int> ids = tok.encode_word(word, &trace);
    std::vector<int> parts;
    for (unsigned char b : word) parts.push_back(tok.byte_token(b));
    if (print) {
        std::printf("\nStep 4 — BPE merges inside %s: %zu bytes → %zu token(s) in %zu merges\n",
                    in_quotes(word).c_str(), word.size(), ids.size(), trace.size());
        std::printf("  %s %s\n", pad("start (one token per byte)", 28).c_str(), spelled(tok, parts).c_str());
    }
    Json steps = Json::array();
    for (const gpt2::MergeStep& step : trace) {
        apply(parts, step);
        if (print)
            std::printf("  %s %s\n",
                        pad(format("rank %5d: %s + %s", step.rank, tok.token_symbols(step.left).c_str(),
                                   tok.token_symbols(step.right).c_str()),
                            28)
                            .c_str(),
                        spelled(tok, parts).c_str());
        steps.push_back({{"rank", step.rank},
                         {"left", tok.token_symbols(step.left)},
                         {"right", tok.token_symbols(step.right)},
                         {"merged", tok.token_symbols(step.merged)},
                         {"merged_id", step.merged}});
    }
    return {{"pretoken", word}, {"steps", steps}, {"ids", ids}};
}

// --- 5. Ids ---------------------------------------------------------------------------------------

Json show_ids(const Tokenizer& tok, const std::vector<int>& ids, std::size_t text_bytes, bool print) {
    if (print) {
        std::printf("\nStep 5 — ids: %zu tokens for %zu bytes\n", ids.size(), text_bytes);
        std::printf("  %s%s\n", join_ids(std::vector<int>(ids.begin(), ids.begin() + std::min(ids.size(), SHOW_MAX))).c_str(),
                    ids.size() > SHOW_MAX ? " ..." : "");
        std::printf("  %6s  %s %s\n", "id", pad("in vocab files", 16).c_str(), "bytes");
    }
    Json tokens = Json::array();
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string& bytes = tok.token_bytes(ids[i]);
        if (print && i < SHOW_MAX)
            std::printf("  %6d  %s %s\n", ids[i], pad(tok.token_symbols(ids[i]), 16).c_str(), in_quotes(bytes).c_str());
        tokens.push_back({{"id", ids[i]}, {"symbols", tok.token_symbols(ids[i])}, {"bytes_hex", hex(bytes)}});
    }
    if (print && ids.size() > SHOW_MAX) std::printf("  ... (%zu more)\n", ids.size() - SHOW_MAX);
    return tokens;
}

// --- 6. Back: ids → bytes → text -----------------------------------------------------------------

int walkthrough(const Tokenizer& tok, const std::string& text, bool allow_special, bool as_json) {
    if (!as_json) {
        std::printf("Chapter 01 — GPT-2's tokenizer, step by step\n");
        std::printf("text: %s\n\n", in_quotes(text).c_str());
        show_bytes(text);
        show_byte_symbols(text);
    }
    const std::vector<Piece> pieces = pieces_of(tok, text, allow_special);
    if (!as_json) show_pieces(pieces);
    Json merges = nullptr;
    if (!pieces.empty()) merges = show_merges(tok, pieces[busiest_piece(tok, pieces)].bytes, !as_json);

    // [listing:ch01_encode_is_pieces]
    // encode = the merges of each pre-token, one after the other (with a cache per pre-token).
    const std::vector<int> ids = tok.encode(text, allow_special);
    std::vector<int> by_pieces;
    for (const Piece& piece : pieces) {
        const std::vector<int> piece_ids =
            piece.special ? std::vector<int>{Tokenizer::END_OF_TEXT} : tok.encode_word(piece.bytes);
        by_pieces.insert(by_pieces.end(), piece_ids.begin(), piece_ids.end());
    }
    // [/listing]
    if (by_pieces != ids) throw std::logic_error("encode disagrees with the per-piece merges");
    const Json tokens = show_ids(tok, ids, text.size(), !as_json);

    // [listing:ch01_round_trip]
    const std::string back = tok.decode(ids);  // concatenated token bytes
    const bool round_trip = back == text;
    // [/listing]
    if (!round_trip) throw std::logic_error("decode(encode(text)) differs from the text");
    if (as_json) {
        Json pretokens = Json::array();
        for (const Piece& piece : pieces) pretokens.push_back(piece.bytes);
        gpt2::print_json(Json({{"text", text},
                           {"bytes", text.size()},
                           {"allow_special", allow_special},
                           {"pretokens", pretokens},
                           {"merges", merges},
                           {"ids", ids},
                           {"tokens", tokens},
                           {"round_trip", round_trip}}), 1);
    } else {
        std::printf("\nStep 6 — back to text: decode(ids) gives %zu bytes; equal to the text: %s\n", back.size(),
                    round_trip ? "yes" : "NO");
    }
    return 0;
}

// The walkthrough is this file; --ids, --decode and --bench are the tokenizer as a tool (tool.cpp).
int run(int argc, char** argv) {
    gpt2::ch01::Flags flags;
    if (!gpt2::ch01::parse_flags(argc, argv, flags)) return 0;  // --help was printed
    if (flags.mode != gpt2::ch01::Mode::Walkthrough) return gpt2::ch01::run_tool(flags);
    const std::string input = gpt2::ch01::read_input(flags, SAMPLE);
    gpt2::require_valid_utf8(input, gpt2::ch01::input_name(flags));
    if (input.size() > WALKTHROUGH_MAX_BYTES)
        throw gpt2::UserError(gpt2::ch01::input_name(flags) + ": " + std::to_string(input.size()) +
                              " bytes is too long to walk through (at most " + std::to_string(WALKTHROUGH_MAX_BYTES) +
                              "); use --ids for long texts");
    return walkthrough(Tokenizer::load(flags.vocab_dir), input, flags.allow_special, flags.json);
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter01", argc, argv, run); }
