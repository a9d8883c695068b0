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
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"
#include "01_tokenizer/bench.hpp"
#include "01_tokenizer/tokenizer.hpp"
#include "common/files.hpp"
#include "common/utf8.hpp"

#include "common/json_out.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using gpt2::format;
using gpt2::Tokenizer;
using gpt2::Json;

namespace {

const char* const SAMPLE = "GPT-2's tokenizer doesn't split    spaces\n évidemment 🙂 12345";
constexpr std::size_t SHOW_MAX = 40;  // the walkthrough prints at most this many items per step
constexpr std::size_t WALKTHROUGH_MAX_BYTES = 1 << 20;  // longer texts: use --ids

// --- Input and output helpers ---------------------------------------------------------------------

void write_stdout(const std::string& bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
}

std::string hex(std::string_view bytes) {
    std::string out;
    for (unsigned char b : bytes) out += format("%s%02x", out.empty() ? "" : " ", b);
    return out;
}

std::string in_quotes(std::string_view bytes) { return "\"" + gpt2::printable(bytes) + "\""; }

// Pads to `width` characters (not bytes: 'Ġ' is two bytes but one column).
std::string pad(const std::string& text, std::size_t width) {
    std::size_t columns = 0;
    for (std::size_t pos = 0; pos < text.size(); ++columns) gpt2::next_code_point(text, pos);
    return text + std::string(columns < width ? width - columns : 0, ' ');
}

std::string join_ids(const std::vector<int>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
    return out;
}

// "15496 995", "15496, 995" or "[15496, 995]" → ids, each checked against the vocabulary.
std::vector<int> parse_ids(const std::string& text, int vocab_size) {
    std::vector<int> ids;
    for (long long id : gpt2::parse_integer_list(text, "--decode", "id", 0, vocab_size - 1, std::size_t(1) << 28))
        ids.push_back(static_cast<int>(id));
    return ids;
}

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

// --- Command line -------------------------------------------------------------------------------

int run(int argc, char** argv) {
    gpt2::CliParser cli("chapter01", "GPT-2's byte-level BPE tokenizer, step by step (byte-exact with GPT-2).");
    std::vector<std::string> text_args;
    bool ids_only = false, decode = false, allow_special = false, as_json = false, run_bench = false;
    std::string file, vocab_dir = gpt2::default_vocab_dir();
    int bench_mb = 4;
    cli.positionals(text_args, "TEXT", "the text to tokenize (or, with --decode, the ids); default: a sample", 1);
    cli.flag("--ids", ids_only, "print only the ids, space-separated on one line");
    cli.flag("--decode", decode, "turn ids (\"15496 995\") back into text; prints its exact bytes");
    cli.option("--file", file, "PATH", "read the text (or ids) from a file, exact bytes; '-' = stdin");
    cli.flag("--allow-special", allow_special, "the literal <|endoftext|> becomes id 50256 (default: plain text)");
    cli.flag("--json", as_json, "machine-readable output of whatever was asked");
    cli.option("--vocab-dir", vocab_dir, "DIR", "folder with encoder.Json and vocab.bpe (default: data/tokenizer)");
    cli.flag("--bench", run_bench, "measure encode/decode speed in MB/s on a few MB of English text");
    cli.option("--bench-mb", bench_mb, "N", "size of the --bench corpus in MB (default 4)", 1, 1024);
    cli.epilog("examples:\n"
               "  ./chapter01                          walk a sample sentence through every step\n"
               "  ./chapter01 \"Hello world\"            the same walk for your text\n"
               "  ./chapter01 --ids \"Hello world\"      15496 995\n"
               "  ./chapter01 --ids --file notes.txt   ids of a file's exact bytes\n"
               "  ./chapter01 --decode \"15496 995\"     Hello world\n"
               "  ./chapter01 --bench                  speed\n"
               "lesson: chapters/01_tokenizer/README.md");
    cli.excludes("--ids", "--decode", "--ids and --decode go opposite ways; use one of them");
    cli.needs("--bench-mb", "--bench", "--bench-mb only makes sense with --bench");
    if (!cli.parse(argc, argv)) return 0;

    if (run_bench && (ids_only || decode || !text_args.empty()))
        throw gpt2::UserError("--bench measures speed on its own corpus (or --file PATH); drop the other arguments");
    if (!file.empty() && !text_args.empty())
        throw gpt2::UserError("give the text either as an argument or with --file PATH, not both");
    if (run_bench) return gpt2::ch01::run_bench(vocab_dir, file, bench_mb, as_json);  // step 7, bench.cpp

    const bool have_input = !file.empty() || !text_args.empty();
    if ((ids_only || decode) && !have_input)
        throw gpt2::UserError(std::string(ids_only ? "--ids" : "--decode") + " needs input: " +
                              (ids_only ? "./chapter01 --ids \"some text\"" : "./chapter01 --decode \"15496 995\"") +
                              " or --file PATH");
    const std::string input = !file.empty() ? gpt2::read_file_bytes(file, 1ull << 30, "give a text file under 1 GiB", "--file") : !text_args.empty() ? text_args[0] : SAMPLE;
    const std::string where = !file.empty() ? "--file " + file : "the text argument";
    const Tokenizer tok = Tokenizer::load(vocab_dir);

    if (decode) {
        if (allow_special) throw gpt2::UserError("--allow-special is for encoding; --decode always decodes 50256");
        const std::vector<int> ids = parse_ids(input, tok.vocab_size());
        const std::string bytes = tok.decode(ids);
        if (as_json)
            gpt2::print_json(Json({{"ids", ids},
                               {"text", bytes},
                               {"bytes", bytes.size()},
                               {"bytes_hex", hex(bytes)},
                               {"valid_utf8", gpt2::find_invalid_utf8(bytes) == std::string::npos}}), 1);
        else
            write_stdout(bytes);  // exact bytes, no newline added
        return 0;
    }
    gpt2::require_valid_utf8(input, where);
    if (ids_only) {
        const std::vector<int> ids = tok.encode(input, allow_special);
        if (as_json)
            gpt2::print_json(Json({{"ids", ids}, {"count", ids.size()}, {"bytes", input.size()},
                               {"allow_special", allow_special}}), 1);
        else
            write_stdout(join_ids(ids) + "\n");
        return 0;
    }
    if (input.size() > WALKTHROUGH_MAX_BYTES)
        throw gpt2::UserError(where + ": " + std::to_string(input.size()) + " bytes is too long to walk through (at most " +
                              std::to_string(WALKTHROUGH_MAX_BYTES) + "); use --ids for long texts");
    return walkthrough(tok, input, allow_special, as_json);
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter01", argc, argv, run); }
