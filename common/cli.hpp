// cli.hpp — command-line flags with clear errors, shared by every chapter.
//
// Declare each flag with the variable it fills, then parse:
//
//     CliParser cli("chapter05", "Generate text with a KV cache.");
//     std::string model = default_model_arg();
//     int max_new = 64;
//     cli.option("-m,--model", model, "PATH|random", "model folder, or 'random'");
//     cli.option("-n,--max-new-tokens", max_new, "N", "tokens to generate", 0, 100000);
//     if (!cli.parse(argc, argv)) return 0;     // --help was printed
//
// Every mistake (unknown flag, missing value, "abc" for a number, 1e30 for a count,
// a value out of range) throws UserError naming the flag, what it got and what it takes.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gpt2 {

class CliParser {
public:
    CliParser(std::string program, std::string summary);

    // names: "--json" or "-j,--json". A flag takes no value.
    void flag(const std::string& names, bool& target, const std::string& help);
    void option(const std::string& names, std::string& target, const std::string& metavar,
                const std::string& help);
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
    // Extra lines for --help (examples).
    void epilog(const std::string& text);

    // Returns false when --help was asked for (help is printed on stdout): exit 0 then.
    bool parse(int argc, const char* const* argv);
    // True when the flag (any of its names, e.g. "--seed") appeared on the command line.
    bool given(const std::string& name) const;
    std::string help_text() const;

private:
    struct Spec {
        std::vector<std::string> names;
        std::string metavar;  // empty for a flag
        std::string help;
        std::function<void(const std::string& flag, const std::string& value)> set;
        bool seen = false;
    };
    Spec& add(const std::string& names, const std::string& metavar, const std::string& help);
    Spec* find(const std::string& name);
    const Spec* find(const std::string& name) const;

    std::string program_, summary_, epilog_;
    std::vector<Spec> specs_;
    std::vector<std::string>* positionals_ = nullptr;
    std::string positional_metavar_, positional_help_;
    std::size_t positional_max_ = 0;
};

// Strict number parsing, usable outside the parser too. `where` names the source
// ("--seed", "prompt id 3") for the error message.
long long parse_integer(const std::string& text, const std::string& where, long long min, long long max);
double parse_real(const std::string& text, const std::string& where, double min, double max,
                  bool min_exclusive = false);

}  // namespace gpt2
