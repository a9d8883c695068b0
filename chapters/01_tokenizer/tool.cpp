// tool.cpp — chapter 01's flags and its modes besides the walkthrough: --ids (text → ids),
// --decode (ids → exact bytes), --bench (speed, bench.cpp), --learn-merges (BPE training on the
// text, learn_merges.cpp).
#include "01_tokenizer/tool.hpp"

#include "01_tokenizer/bench.hpp"
#include "01_tokenizer/learn_merges.hpp"
#include "01_tokenizer/tokenizer.hpp"
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/json_out.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "common/utf8.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace gpt2::ch01 {

std::string hex(std::string_view bytes) {
    std::string out;
    for (unsigned char b : bytes) out += format("%s%02x", out.empty() ? "" : " ", b);
    return out;
}

std::string in_quotes(std::string_view bytes) { return "\"" + printable(bytes) + "\""; }

std::string pad(const std::string& text, std::size_t width) {
    std::size_t columns = 0;  // 'Ġ' is two bytes but one column
    for (std::size_t pos = 0; pos < text.size(); ++columns) next_code_point(text, pos);
    return text + std::string(columns < width ? width - columns : 0, ' ');
}

std::string join_ids(const std::vector<int>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
    return out;
}

namespace {

void write_stdout(const std::string& bytes) { std::fwrite(bytes.data(), 1, bytes.size(), stdout); }

// GPT-2's rank for the merge (left, right) when both are tokens of its vocabulary, else -1.
int gpt2_rank(const Tokenizer& tok, const std::string& left, const std::string& right) {
    const std::vector<int> l = tok.encode_word(left), r = tok.encode_word(right);
    if (l.size() != 1 || r.size() != 1) return -1;  // a symbol GPT-2's vocabulary does not have
    return tok.find_merge(l[0], r[0]).rank;
}

// --learn-merges: the merges BPE training learns from the text, next to GPT-2's own ranks.
int show_learned_merges(const Tokenizer& tok, const std::string& text, int count, bool as_json) {
    const std::vector<LearnedMerge> merges = learn_merges(text, count);
    if (as_json) {
        Json list = Json::array();
        for (const LearnedMerge& m : merges) {
            const int rank = gpt2_rank(tok, m.left, m.right);
            list.push_back({{"left", m.left}, {"right", m.right}, {"count", m.count},
                            {"gpt2_rank", rank >= 0 ? Json(rank) : Json(nullptr)}});
        }
        print_json(Json({{"merges", list}, {"asked", count}, {"bytes", text.size()}}), 1);
        return 0;
    }
    std::printf("BPE training on %zu bytes: count neighbouring pairs, merge the most frequent, repeat\n",
                text.size());
    std::printf("  merge  %s  count  in GPT-2's vocab.bpe\n", pad("pair", 18).c_str());
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const LearnedMerge& m = merges[i];
        const int rank = gpt2_rank(tok, m.left, m.right);
        // pad() counts characters, not bytes: 'Ġ' is two bytes but one column.
        const std::string pair = to_byte_symbols(m.left) + " + " + to_byte_symbols(m.right);
        std::printf("  %5zu  %s  %5d  %s\n", i, pad(pair, 18).c_str(), m.count,
                    rank >= 0 ? ("rank " + std::to_string(rank)).c_str() : "not a merge");
    }
    if (static_cast<int>(merges.size()) < count)
        std::printf("(stopped after %zu merges: every pre-token is a single symbol)\n", merges.size());
    return 0;
}

}  // namespace

bool parse_flags(int argc, char** argv, Flags& flags) {
    CliParser cli("chapter01", "GPT-2's byte-level BPE tokenizer, step by step (byte-exact with GPT-2).");
    bool ids_only = false, decode = false, bench = false;
    flags.vocab_dir = default_vocab_dir();
    cli.positionals(flags.text_args, "TEXT", "the text to tokenize (or, with --decode, the ids); default: a sample", 1);
    cli.flag("--ids", ids_only, "print only the ids, space-separated on one line");
    cli.flag("--decode", decode, "turn ids (\"15496 995\") back into text; prints its exact bytes");
    cli.option("--file", flags.file, "PATH", "read the text (or ids) from a file, exact bytes; '-' = stdin");
    cli.flag("--allow-special", flags.allow_special, "the literal <|endoftext|> becomes id 50256 (default: plain text)");
    cli.flag("--json", flags.json, "machine-readable output of whatever was asked");
    cli.option("--vocab-dir", flags.vocab_dir, "DIR", "folder with encoder.json and vocab.bpe (default: data/tokenizer)");
    cli.flag("--bench", bench, "measure encode/decode speed in MB/s on a few MB of English text");
    cli.option("--bench-mb", flags.bench_mb, "N", "size of the --bench corpus in MB (default 4)", 1, 1024);
    cli.option("--learn-merges", flags.learn_merges, "N",
               "learn N merges from the text (BPE training) and show them beside GPT-2's ranks", 1, 10000);
    cli.epilog("examples:\n"
               "  ./chapter01                          walk a sample sentence through every step\n"
               "  ./chapter01 \"Hello world\"            the same walk for your text\n"
               "  ./chapter01 --ids \"Hello world\"      15496 995\n"
               "  ./chapter01 --ids --file notes.txt   ids of a file's exact bytes\n"
               "  ./chapter01 --decode \"15496 995\"     Hello world\n"
               "  ./chapter01 --bench                  speed\n"
               "  ./chapter01 --learn-merges 10 \" low low lower newest widest\"   BPE training\n"
               "lesson: chapters/01_tokenizer/README.md");
    cli.excludes("--ids", "--decode", "--ids and --decode go opposite ways; use one of them");
    cli.needs("--bench-mb", "--bench", "--bench-mb only makes sense with --bench");
    if (!cli.parse(argc, argv)) return false;

    const bool learn = cli.given("--learn-merges");
    if (learn && (ids_only || decode || bench))
        throw UserError("--learn-merges shows BPE training on the text; drop --ids, --decode and --bench");
    if (bench && (ids_only || decode || !flags.text_args.empty()))
        throw UserError("--bench measures speed on its own corpus (or --file PATH); drop the other arguments");
    if (!flags.file.empty() && !flags.text_args.empty())
        throw UserError("give the text either as an argument or with --file PATH, not both");
    flags.mode = learn      ? Mode::LearnMerges
                 : bench    ? Mode::Bench
                 : ids_only ? Mode::Ids
                 : decode   ? Mode::Decode
                            : Mode::Walkthrough;
    const bool have_input = !flags.file.empty() || !flags.text_args.empty();
    if ((ids_only || decode || learn) && !have_input)
        throw UserError(std::string(ids_only ? "--ids" : decode ? "--decode" : "--learn-merges") + " needs input: " +
                        (ids_only ? "./chapter01 --ids \"some text\""
                         : decode ? "./chapter01 --decode \"15496 995\""
                                  : "./chapter01 --learn-merges 10 \"some text\"") +
                        " or --file PATH");
    if (decode && flags.allow_special)
        throw UserError("--allow-special is for encoding; --decode always decodes 50256");
    return true;
}

std::string read_input(const Flags& flags, const std::string& fallback) {
    if (!flags.file.empty()) return read_file_bytes(flags.file, 1ull << 30, "give a text file under 1 GiB", "--file");
    return flags.text_args.empty() ? fallback : flags.text_args[0];
}

std::string input_name(const Flags& flags) { return flags.file.empty() ? "the text argument" : "--file " + flags.file; }

int run_tool(const Flags& flags) {
    if (flags.mode == Mode::Bench) return run_bench(flags.vocab_dir, flags.file, flags.bench_mb, flags.json);
    const std::string input = read_input(flags, "");
    const Tokenizer tok = Tokenizer::load(flags.vocab_dir);
    if (flags.mode == Mode::Decode) {
        // "15496 995", "15496, 995" or "[15496, 995]" → ids, each checked against the vocabulary.
        std::vector<int> ids;
        for (long long id : parse_integer_list(input, "--decode", "id", 0, tok.vocab_size() - 1, std::size_t(1) << 28))
            ids.push_back(static_cast<int>(id));
        const std::string bytes = tok.decode(ids);
        if (flags.json)
            print_json(Json({{"ids", ids},
                             {"text", bytes},
                             {"bytes", bytes.size()},
                             {"bytes_hex", hex(bytes)},
                             {"valid_utf8", find_invalid_utf8(bytes) == std::string::npos}}), 1);
        else
            write_stdout(bytes);  // exact bytes, no newline added
        return 0;
    }
    require_valid_utf8(input, input_name(flags));
    if (flags.mode == Mode::LearnMerges) return show_learned_merges(tok, input, flags.learn_merges, flags.json);
    const std::vector<int> ids = tok.encode(input, flags.allow_special);
    if (flags.json)
        print_json(Json({{"ids", ids}, {"count", ids.size()}, {"bytes", input.size()},
                         {"allow_special", flags.allow_special}}), 1);
    else
        write_stdout(join_ids(ids) + "\n");
    return 0;
}

}  // namespace gpt2::ch01
