// tool.hpp — chapter 01's program besides the walkthrough: its flags, and the tokenizer as a
// tool (--ids, --decode, --bench, --learn-merges), with the small helpers that show bytes on a
// terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpt2::ch01 {

enum class Mode { Walkthrough, Ids, Decode, Bench, LearnMerges };

struct Flags {
    Mode mode = Mode::Walkthrough;
    std::vector<std::string> text_args;  // at most one: the text (or, with --decode, the ids)
    std::string file;                    // --file PATH ("-" = standard input)
    std::string vocab_dir;
    bool allow_special = false, json = false;
    int bench_mb = 4;
    int learn_merges = 10;               // --learn-merges N
};

// Returns false when --help was printed. Throws UserError on a bad combination.
bool parse_flags(int argc, char** argv, Flags& flags);
// The input's exact bytes: --file, else the text argument, else `fallback`.
std::string read_input(const Flags& flags, const std::string& fallback);
// "--file notes.txt" or "the text argument", for error messages.
std::string input_name(const Flags& flags);
// --ids, --decode, --bench or --learn-merges. Returns the exit code.
int run_tool(const Flags& flags);

// How the walkthrough shows bytes.
std::string hex(std::string_view bytes);                        // "48 69"
std::string in_quotes(std::string_view bytes);                  // "\"Hi\\n\"", escapes visible
std::string pad(const std::string& text, std::size_t width);    // to `width` characters, not bytes
std::string join_ids(const std::vector<int>& ids);              // "15496 995"

}  // namespace gpt2::ch01
