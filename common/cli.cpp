#include "cli.hpp"

#include "errors.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace gpt2 {

namespace {

std::vector<std::string> split_names(const std::string& names) {
    std::vector<std::string> out;
    std::stringstream stream(names);
    std::string name;
    while (std::getline(stream, name, ',')) out.push_back(name);
    return out;
}

std::string shown(const std::string& text) {
    // Quote what the user typed, cut short so an absurd value cannot flood the terminal.
    // Control characters are escaped (\n, \x1b, ...) so the error stays one line.
    std::string cut = text.size() > 40 ? text.substr(0, 40) + "..." : text;
    std::string out = "'";
    for (unsigned char c : cut) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else out += static_cast<char>(c);
    }
    return out + "'";
}

std::string format_real(double x) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

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

CliParser::CliParser(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

CliParser::Spec& CliParser::add(const std::string& names, const std::string& metavar, const std::string& help) {
    Spec spec;
    spec.names = split_names(names);
    spec.metavar = metavar;
    spec.help = help;
    specs_.push_back(std::move(spec));
    return specs_.back();
}

void CliParser::flag(const std::string& names, bool& target, const std::string& help) {
    add(names, "", help).set = [&target](const std::string&, const std::string&) { target = true; };
}

void CliParser::option(const std::string& names, std::string& target, const std::string& metavar,
                       const std::string& help) {
    add(names, metavar, help).set = [&target](const std::string&, const std::string& value) { target = value; };
}

void CliParser::option(const std::string& names, int& target, const std::string& metavar,
                       const std::string& help, int min, int max) {
    add(names, metavar, help).set = [&target, min, max](const std::string& flag, const std::string& value) {
        target = static_cast<int>(parse_integer(value, flag, min, max));
    };
}

void CliParser::option(const std::string& names, long long& target, const std::string& metavar,
                       const std::string& help, long long min, long long max) {
    add(names, metavar, help).set = [&target, min, max](const std::string& flag, const std::string& value) {
        target = parse_integer(value, flag, min, max);
    };
}

void CliParser::option(const std::string& names, double& target, const std::string& metavar,
                       const std::string& help, double min, double max, bool min_exclusive) {
    add(names, metavar, help).set = [&target, min, max, min_exclusive](const std::string& flag,
                                                                       const std::string& value) {
        target = parse_real(value, flag, min, max, min_exclusive);
    };
}

void CliParser::positionals(std::vector<std::string>& target, const std::string& metavar,
                            const std::string& help, std::size_t max_count) {
    positionals_ = &target;
    positional_metavar_ = metavar;
    positional_help_ = help;
    positional_max_ = max_count;
}

void CliParser::epilog(const std::string& text) { epilog_ = text; }

CliParser::Spec* CliParser::find(const std::string& name) {
    for (Spec& spec : specs_)
        for (const std::string& n : spec.names)
            if (n == name) return &spec;
    return nullptr;
}

const CliParser::Spec* CliParser::find(const std::string& name) const {
    return const_cast<CliParser*>(this)->find(name);
}

bool CliParser::given(const std::string& name) const {
    const Spec* spec = find(name);
    return spec != nullptr && spec->seen;
}

std::string CliParser::help_text() const {
    std::ostringstream out;
    out << "usage: " << program_ << " [options]";
    if (positionals_) out << " [" << positional_metavar_ << "]";
    out << "\n" << summary_ << "\n\noptions:\n";
    for (const Spec& spec : specs_) {
        std::string left;
        for (std::size_t i = 0; i < spec.names.size(); ++i) left += (i ? ", " : "") + spec.names[i];
        if (!spec.metavar.empty()) left += " " + spec.metavar;
        out << "  " << left;
        out << (left.size() < 28 ? std::string(28 - left.size(), ' ') : std::string("\n" + std::string(32, ' ')));
        out << spec.help << "\n";
    }
    out << "  -h, --help" << std::string(28 - 10, ' ') << "this text\n";
    if (positionals_) out << "\n  " << positional_metavar_ << ": " << positional_help_ << "\n";
    if (!epilog_.empty()) out << "\n" << epilog_ << "\n";
    return out.str();
}

bool CliParser::parse(int argc, const char* const* argv) {
    bool only_positionals = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (!only_positionals && arg == "--") {
            only_positionals = true;
            continue;
        }
        if (!only_positionals && (arg == "-h" || arg == "--help")) {
            std::fputs(help_text().c_str(), stdout);
            return false;
        }
        if (only_positionals || arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) {
            if (!positionals_)
                throw UserError("unexpected argument " + shown(arg) + "; see " + program_ + " --help");
            if (positionals_->size() >= positional_max_)
                throw UserError("too many arguments (" + shown(arg) + " is one too many); put text in quotes, "
                                "see " + program_ + " --help");
            positionals_->push_back(arg);
            continue;
        }
        std::string name = arg, value;
        bool has_inline_value = false;
        std::size_t eq = arg.find('=');
        if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_inline_value = true;
        }
        Spec* spec = find(name);
        if (!spec) throw UserError("unknown flag " + shown(name) + "; see " + program_ + " --help for the flags");
        if (spec->metavar.empty()) {
            if (has_inline_value) throw UserError(name + " takes no value, got " + shown(value));
            spec->set(name, "");
        } else {
            if (!has_inline_value) {
                if (i + 1 >= argc) throw UserError(name + " needs a value (" + spec->metavar + ")");
                value = argv[++i];
            }
            spec->set(name, value);
        }
        spec->seen = true;
    }
    return true;
}

}  // namespace gpt2
