// tool.cpp — chapter 01's flags and its modes besides the walkthrough: --ids (text → ids),
// --decode (ids → exact bytes), --bench (speed, bench.cpp).
#include "01_tokenizer/tool.hpp"

#include "01_tokenizer/bench.hpp"
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
    if (!cli.parse(argc, argv)) return false;

    if (bench && (ids_only || decode || !flags.text_args.empty()))
        throw UserError("--bench measures speed on its own corpus (or --file PATH); drop the other arguments");
    if (!flags.file.empty() && !flags.text_args.empty())
        throw UserError("give the text either as an argument or with --file PATH, not both");
    flags.mode = bench ? Mode::Bench : ids_only ? Mode::Ids : decode ? Mode::Decode : Mode::Walkthrough;
    const bool have_input = !flags.file.empty() || !flags.text_args.empty();
    if ((ids_only || decode) && !have_input)
        throw UserError(std::string(ids_only ? "--ids" : "--decode") + " needs input: " +
                        (ids_only ? "./chapter01 --ids \"some text\"" : "./chapter01 --decode \"15496 995\"") +
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
    const std::vector<int> ids = tok.encode(input, flags.allow_special);
    if (flags.json)
        print_json(Json({{"ids", ids}, {"count", ids.size()}, {"bytes", input.size()},
                         {"allow_special", flags.allow_special}}), 1);
    else
        write_stdout(join_ids(ids) + "\n");
    return 0;
}

}  // namespace gpt2::ch01
