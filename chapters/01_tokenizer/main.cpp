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
#include "01_tokenizer/show.hpp"  // the printout of steps 3 to 6, the --json object
#include "01_tokenizer/tool.hpp"  // the flags, --ids/--decode/--bench, how bytes are shown
#include "common/errors.hpp"
#include "common/json_out.hpp"
#include "common/utf8.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

using gpt2::ch01::hex;
using gpt2::ch01::Piece;
using gpt2::Tokenizer;
using gpt2::Json;

namespace {

const char* const SAMPLE = "GPT-2's tokenizer doesn't split    spaces\n évidemment 🙂 12345";
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

// The pre-tokens of the text (Piece: show.hpp); with allow_special each literal <|endoftext|>
// is cut out first.
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

// The walkthrough runs the steps in order: 1 to 4 with the functions above, 5 and 6 below.
int walkthrough(const Tokenizer& tok, const std::string& text, bool allow_special, bool as_json) {
    if (!as_json) {
        gpt2::ch01::print_walkthrough_title(text);
        show_bytes(text);
        show_byte_symbols(text);
    }
    const std::vector<Piece> pieces = pieces_of(tok, text, allow_special);
    if (!as_json) gpt2::ch01::print_pieces(pieces);

    // Step 4 on the busiest pre-token: encode_word records each merge it makes.
    Json merges = nullptr;  // stays null for an empty text
    if (!pieces.empty()) {
        const std::string& word = pieces[busiest_piece(tok, pieces)].bytes;
        std::vector<gpt2::MergeStep> trace;
        const std::vector<int> word_ids = tok.encode_word(word, &trace);
        if (as_json) merges = gpt2::ch01::merges_json(tok, word, word_ids, trace);
        else gpt2::ch01::print_merges(tok, word, word_ids, trace);
    }

    // --- 5. Ids ---------------------------------------------------------------------------------------
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
    if (!as_json) gpt2::ch01::print_ids(tok, ids, text.size());

    // --- 6. Back: ids → bytes → text -----------------------------------------------------------------
    // [listing:ch01_round_trip]
    const std::string back = tok.decode(ids);  // concatenated token bytes
    const bool round_trip = back == text;
    // [/listing]
    if (!round_trip) throw std::logic_error("decode(encode(text)) differs from the text");
    if (as_json) gpt2::ch01::print_walkthrough_json(tok, text, allow_special, pieces, merges, ids, round_trip);
    else gpt2::ch01::print_round_trip(back.size(), round_trip);
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
