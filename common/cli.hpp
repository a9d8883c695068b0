// cli.hpp — command-line flags with clear errors, shared by every chapter (CLI11 underneath).
//
// Declare each flag with the variable it fills, then parse:
//
//     CliParser cli("chapter05", "Generate text with a KV cache.");
//     std::string model = default_model_arg();
//     int max_new = 64;
//     cli.option("-m,--model", model, "PATH|random", "model folder, or 'random'");
//     cli.option("-n,--max-new-tokens", max_new, "N", "tokens to generate", 0, 100000);
//     cli.needs("--bench-tokens", "--bench", "--bench-tokens only applies to --bench");
//     if (!cli.parse(argc, argv)) return 0;     // --help was printed
//
// Every mistake (unknown flag, missing value, "abc" for a number, 1e30 for a count, a value
// out of range, two flags that exclude each other) throws UserError: one line naming the
// flag, what it got and what to do. CLI11 does the parsing; this file only words its errors
// the way the rest of the book does and checks numbers strictly.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace gpt2 {

class CliParser {
public:
    CliParser(std::string program, std::string summary);
    ~CliParser();
    CliParser(const CliParser&) = delete;
    CliParser& operator=(const CliParser&) = delete;

    // names: "--json" or "-j,--json". A flag takes no value.
    void flag(const std::string& names, bool& target, const std::string& help);
    void option(const std::string& names, std::string& target, const std::string& metavar,
                const std::string& help);
    // A word from a fixed list (e.g. --cache preallocated|concat).
    void option(const std::string& names, std::string& target, const std::string& metavar,
                const std::string& help, const std::vector<std::string>& choices);
    void option(const std::string& names, int& target, const std::string& metavar,
                const std::string& help, int min, int max);
    void option(const std::string& names, long long& target, const std::string& metavar,
                const std::string& help, long long min, long long max);
    // A real number in [min, max]; with min_exclusive, in (min, max].
    void option(const std::string& names, double& target, const std::string& metavar,
                const std::string& help, double min, double max, bool min_exclusive = false);
    // Words that are not flags (e.g. the text to tokenize). At most max_count of them.
    void positionals(std::vector<std::string>& target, const std::string& metavar,
                     const std::string& help, std::size_t max_count);
    // Cross-flag rules (CLI11's excludes / needs), each with the sentence a user sees.
    void excludes(const std::string& flag, const std::string& other, const std::string& message);
    void needs(const std::string& flag, const std::string& required, const std::string& message);
    // Extra lines for --help (examples).
    void epilog(const std::string& text);

    // Returns false when --help was asked for (help is printed on stdout): exit 0 then.
    bool parse(int argc, const char* const* argv);
    // True when the flag (any of its names, e.g. "--seed") appeared on the command line.
    bool given(const std::string& name) const;
    std::string help_text() const;

private:
    CLI::Option* find(const std::string& name) const;
    std::string see_help() const;

    std::string program_;
    std::unique_ptr<CLI::App> app_;  // CLI11 stays out of every chapter's includes
    std::set<std::string> flag_names_;  // flags take no value: "--json=1" is an error
    std::map<std::pair<std::string, std::string>, std::string> rule_messages_;
    std::size_t positional_max_ = 0;
};

// Strict number parsing, usable outside the parser too. `where` names the source
// ("--seed", "prompt id 3") for the error message.
long long parse_integer(const std::string& text, const std::string& where, long long min, long long max);
double parse_real(const std::string& text, const std::string& where, double min, double max,
                  bool min_exclusive = false);
// A list of whole numbers separated by spaces, tabs, newlines or commas, optionally in [ ]:
// "15496 995", "15496, 995", "[15496, 995]". Each must lie in [min, max]; an error names it as
// `where` (item k), e.g. "--prompt-ids (id 3)". More than max_count numbers is refused as soon
// as the next one starts (so an absurd list is never read to its end), with `too_many` as the
// advice.
std::vector<long long> parse_integer_list(const std::string& text, const std::string& where, const std::string& item,
                                          long long min, long long max, std::size_t max_count,
                                          const std::string& too_many = "give fewer");

}  // namespace gpt2
