#include "cli.hpp"

#include "errors.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace gpt2 {

namespace {

// Control characters escaped (\n, \t, \x1b, ...), so an error that quotes what the user
// typed — or CLI11's own wording of it — stays one line.
std::string one_line(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else out += static_cast<char>(c);
    }
    return out;
}

// What the user typed, quoted and cut short so an absurd value cannot flood the terminal.
std::string shown(const std::string& text) {
    return "'" + one_line(text.size() > 40 ? text.substr(0, 40) + "..." : text) + "'";
}

std::string format_real(double x) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

// "-n,--max-new-tokens" → {"-n", "--max-new-tokens"}
std::vector<std::string> split_names(const std::string& names) {
    std::vector<std::string> out;
    std::stringstream stream(names);
    for (std::string name; std::getline(stream, name, ',');) out.push_back(name);
    return out;
}

// The name an error message uses for an option: its long name if it has one ("--seed").
std::string long_name(const std::string& names) {
    std::string best;
    for (const std::string& name : split_names(names))
        if (name.size() > best.size()) best = name;
    return best;
}

// --help as the book prints it: "-n, --max-new-tokens N   help". CLI11's default would also
// print each rule ("Needs: --bench") in the flag column; the rules are in the help text instead.
class BookFormatter : public CLI::Formatter {
public:
    std::string make_option_name(const CLI::Option* option, bool positional) const override {
        if (positional) return option->get_name(true, false);
        std::string names;
        for (const std::string& name : option->get_snames()) names += (names.empty() ? "-" : ", -") + name;
        for (const std::string& name : option->get_lnames()) names += (names.empty() ? "--" : ", --") + name;
        return names;
    }
    std::string make_option_opts(const CLI::Option* option) const override {
        return option->get_type_name().empty() || option->get_expected_min() == 0 ? "" : " " + option->get_type_name();
    }
};

}  // namespace

long long parse_integer(const std::string& text, const std::string& where, long long min, long long max) {
    const std::string expected = "expected a whole number from " + std::to_string(min) + " to " +
                                 std::to_string(max) + ", got " + shown(text);
    if (text.empty()) throw UserError(where + ": " + expected);
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0') throw UserError(where + ": " + expected);
    if (errno == ERANGE || value < min || value > max) throw UserError(where + ": " + expected);
    return value;
}

double parse_real(const std::string& text, const std::string& where, double min, double max,
                  bool min_exclusive) {
    const std::string range = (min_exclusive ? "(" : "[") + format_real(min) + ", " + format_real(max) + "]";
    const std::string expected = "expected a number in " + range + ", got " + shown(text);
    if (text.empty()) throw UserError(where + ": " + expected);
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || errno == ERANGE)
        throw UserError(where + ": " + expected);
    if (value > max || value < min || (min_exclusive && value == min)) throw UserError(where + ": " + expected);
    return value;
}

std::vector<long long> parse_integer_list(const std::string& text, const std::string& where, const std::string& item,
                                          long long min, long long max, std::size_t max_count,
                                          const std::string& too_many) {
    auto separator = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ','; };
    std::string body = text;
    const std::size_t first = body.find_first_not_of(" \t\n\r");
    const std::size_t last = body.find_last_not_of(" \t\n\r");
    if (first != std::string::npos && body[first] == '[' && body[last] == ']') body = body.substr(first + 1, last - first - 1);
    std::vector<long long> values;
    for (std::size_t i = 0; i < body.size();) {
        if (separator(body[i])) {
            ++i;
            continue;
        }
        if (values.size() >= max_count)
            throw UserError(where + ": more than " + std::to_string(max_count) + " numbers; " + too_many);
        std::size_t end = i;
        while (end < body.size() && !separator(body[end])) ++end;
        values.push_back(parse_integer(body.substr(i, end - i), where + " (" + item + " " +
                                       std::to_string(values.size() + 1) + ")", min, max));
        i = end;
    }
    return values;
}

CliParser::CliParser(std::string program, std::string summary)
    : program_(std::move(program)), app_(std::make_unique<CLI::App>(std::move(summary), program_)) {
    app_->allow_extras(true);  // unknown words come back from remaining(), worded below
    app_->set_help_flag("-h,--help", "this text");
    auto formatter = std::make_shared<BookFormatter>();
    formatter->column_width(32);
    app_->formatter(formatter);
}

CliParser::~CliParser() = default;

// Every value arrives as text and is checked here, strictly (CLI11 would accept "7x" as 7
// for some types); the last occurrence of a repeated flag wins.
void CliParser::flag(const std::string& names, bool& target, const std::string& help) {
    app_->add_flag_callback(names, [&target] { target = true; }, help);
    for (const std::string& name : split_names(names)) flag_names_.insert(name);
}

void CliParser::option(const std::string& names, std::string& target, const std::string& metavar,
                       const std::string& help) {
    app_->add_option_function<std::string>(names, [&target](const std::string& value) { target = value; }, help)
        ->type_name(metavar)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void CliParser::option(const std::string& names, std::string& target, const std::string& metavar,
                       const std::string& help, const std::vector<std::string>& choices) {
    const std::string flag = long_name(names);
    app_->add_option_function<std::string>(
            names,
            [&target, flag, choices](const std::string& value) {
                for (const std::string& choice : choices)
                    if (value == choice) {
                        target = value;
                        return;
                    }
                std::string listed;
                for (std::size_t i = 0; i < choices.size(); ++i)
                    listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + ("'" + choices[i] + "'");
                throw UserError(flag + ": expected " + listed + ", got " + shown(value));
            },
            help)
        ->type_name(metavar)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void CliParser::option(const std::string& names, int& target, const std::string& metavar,
                       const std::string& help, int min, int max) {
    const std::string flag = long_name(names);
    app_->add_option_function<std::string>(
            names, [&target, flag, min, max](const std::string& value) {
                target = static_cast<int>(parse_integer(value, flag, min, max));
            }, help)
        ->type_name(metavar)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void CliParser::option(const std::string& names, long long& target, const std::string& metavar,
                       const std::string& help, long long min, long long max) {
    const std::string flag = long_name(names);
    app_->add_option_function<std::string>(
            names, [&target, flag, min, max](const std::string& value) {
                target = parse_integer(value, flag, min, max);
            }, help)
        ->type_name(metavar)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void CliParser::option(const std::string& names, double& target, const std::string& metavar,
                       const std::string& help, double min, double max, bool min_exclusive) {
    const std::string flag = long_name(names);
    app_->add_option_function<std::string>(
            names, [&target, flag, min, max, min_exclusive](const std::string& value) {
                target = parse_real(value, flag, min, max, min_exclusive);
            }, help)
        ->type_name(metavar)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

void CliParser::positionals(std::vector<std::string>& target, const std::string& metavar,
                            const std::string& help, std::size_t max_count) {
    positional_max_ = max_count;
    app_->add_option(metavar, target, help)->expected(0, static_cast<int>(max_count))->type_name("");
}

CLI::Option* CliParser::find(const std::string& name) const {
    try {
        return app_->get_option(name);
    } catch (const CLI::OptionNotFound&) {
        return nullptr;
    }
}

void CliParser::excludes(const std::string& flag, const std::string& other, const std::string& message) {
    find(flag)->excludes(find(other));
    rule_messages_[{long_name(find(flag)->get_name()), long_name(find(other)->get_name())}] = message;
    rule_messages_[{long_name(find(other)->get_name()), long_name(find(flag)->get_name())}] = message;
}

void CliParser::needs(const std::string& flag, const std::string& required, const std::string& message) {
    find(flag)->needs(find(required));
    rule_messages_[{long_name(find(flag)->get_name()), long_name(find(required)->get_name())}] = message;
}

void CliParser::epilog(const std::string& text) { app_->footer(text); }

bool CliParser::given(const std::string& name) const {
    const CLI::Option* option = find(name);
    return option != nullptr && option->count() > 0;
}

std::string CliParser::help_text() const { return app_->help(); }

std::string CliParser::see_help() const { return "see " + program_ + " --help"; }

bool CliParser::parse(int argc, const char* const* argv) {
    // A flag given a value ("--json=1"): CLI11 would read it as true or false; here it is a mistake.
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        const std::size_t eq = arg.find('=');
        if (arg.rfind("--", 0) == 0 && eq != std::string::npos && flag_names_.count(arg.substr(0, eq)))
            throw UserError(arg.substr(0, eq) + " takes no value, got " + shown(arg.substr(eq + 1)));
    }
    try {
        app_->parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(help_text().c_str(), stdout);
        return false;
    } catch (const CLI::ParseError& e) {
        // CLI11's messages, reworded: "A excludes B", "A requires B", "A: 1 required N missing".
        const std::string what = one_line(e.what());
        for (const char* verb : {" excludes ", " requires "}) {
            const std::size_t at = what.find(verb);
            if (at == std::string::npos) continue;
            const std::string a = long_name(what.substr(0, at)), b = long_name(what.substr(at + std::string(verb).size()));
            const auto rule = rule_messages_.find({a, b});
            if (rule != rule_messages_.end()) throw UserError(rule->second);
            throw UserError(what + "; " + see_help());
        }
        const std::size_t colon = what.find(':');
        const std::string name = colon == std::string::npos ? "" : what.substr(0, colon);
        if (what.find("required") != std::string::npos && what.find("missing") != std::string::npos)
            throw UserError(name + " needs a value (" + what.substr(what.find("required ") + 9,
                                                                    what.find(" missing") - what.find("required ") - 9) +
                            "); " + see_help());
        if (positional_max_ > 0 && what.find("At Most") != std::string::npos && name.rfind("-", 0) != 0)
            throw UserError("too many arguments (at most " + std::to_string(positional_max_) +
                            "); put text in quotes, " + see_help());
        throw UserError(what + "; " + see_help());
    }
    for (const std::string& extra : app_->remaining()) {
        if (extra == "--") continue;
        if (extra.size() >= 2 && extra[0] == '-' && !(extra[1] >= '0' && extra[1] <= '9'))
            throw UserError("unknown flag " + shown(extra.substr(0, extra.find('='))) + "; " + see_help() +
                            " for the flags");
        throw UserError("unexpected argument " + shown(extra) + "; " + see_help());
    }
    return true;
}

}  // namespace gpt2
