// fuzz_cli.cpp — libFuzzer target for the shared command-line parser (common/cli.hpp, over CLI11).
//
// The input is split at NUL bytes into argv words and parsed with every kind of option a
// chapter declares (flag, string, a word from a list, int, long long, real with open and
// closed bounds, positionals) and the cross-flag rules (excludes, needs). The parser may only succeed or throw gpt2::UserError; and when it succeeds,
// every number it filled must lie inside the declared range. Anything else (another
// exception, a sanitizer report, a value out of range) is a bug: the fuzzer aborts.
// Run: make fuzz FUZZ_SECONDS=60  (see tests/README.md)
#include "common/cli.hpp"
#include "common/errors.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_cli: invariant broken: %s\n", what);
        std::abort();
    }
}

// Also feeds every token to the free functions, which chapters call directly on file text.
void parse_numbers(const std::string& word) {
    try {
        long long v = gpt2::parse_integer(word, "word", -5, 1000000);
        check(v >= -5 && v <= 1000000, "parse_integer returned a value outside its range");
    } catch (const gpt2::UserError& e) {
        check(std::string(e.what()).find("word") == 0, "parse_integer error does not name where");
    }
    try {
        double v = gpt2::parse_real(word, "word", 0.0, 2.0, true);
        check(std::isfinite(v) && v > 0.0 && v <= 2.0, "parse_real returned a value outside (0, 2]");
    } catch (const gpt2::UserError& e) {
        check(std::string(e.what()).find("word") == 0, "parse_real error does not name where");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;  // argv is short; longer inputs only slow the search down
    std::vector<std::string> words(1);
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            words.emplace_back();
        } else {
            words.back() += static_cast<char>(data[i]);
        }
    }
    if (words.size() > 64) return 0;
    std::vector<const char*> argv{"fuzz_cli"};
    for (const std::string& w : words) argv.push_back(w.c_str());

    gpt2::CliParser cli("fuzz_cli", "fuzzing target");
    bool json = false, force = false;
    std::string model = "random", prompt, prompt_ids, cache = "preallocated";
    bool bench = false;
    int bench_mb = 4;
    int max_new = 16, threads = 1, layer = 0;
    long long seed = 1;
    double temperature = 1.0, top_p = 0.9;
    std::vector<std::string> positionals;
    cli.flag("--json", json, "json");
    cli.flag("-f,--force", force, "force");
    cli.option("-m,--model", model, "PATH", "model");
    cli.option("-p,--prompt", prompt, "TEXT", "prompt");
    cli.option("-n,--max-new-tokens", max_new, "N", "count", 0, 100000);
    cli.option("-t,--threads", threads, "N", "threads", 1, 256);
    cli.option("--layer", layer, "L", "layer", -1, 47);
    cli.option("--seed", seed, "S", "seed", 0, 9007199254740992LL);
    cli.option("--temperature", temperature, "T", "temperature", 0.0, 10.0);
    cli.option("--top-p", top_p, "P", "top-p", 0.0, 1.0, true);
    cli.option("--prompt-ids", prompt_ids, "IDS", "prompt ids");
    cli.option("--cache", cache, "preallocated|concat", "layout", {"preallocated", "concat"});
    cli.flag("--bench", bench, "bench");
    cli.option("--bench-mb", bench_mb, "N", "bench size", 1, 1024);
    cli.excludes("--prompt", "--prompt-ids", "--prompt and --prompt-ids were both given");
    cli.needs("--bench-mb", "--bench", "--bench-mb only makes sense with --bench");
    cli.positionals(positionals, "TEXT", "words", 3);
    cli.epilog("example: fuzz_cli --json");

    try {
        if (cli.parse(static_cast<int>(argv.size()), argv.data())) {
            check(max_new >= 0 && max_new <= 100000, "--max-new-tokens out of range");
            check(threads >= 1 && threads <= 256, "--threads out of range");
            check(layer >= -1 && layer <= 47, "--layer out of range");
            check(seed >= 0 && seed <= 9007199254740992LL, "--seed out of range");
            check(std::isfinite(temperature) && temperature >= 0.0 && temperature <= 10.0,
                  "--temperature out of range");
            check(std::isfinite(top_p) && top_p > 0.0 && top_p <= 1.0, "--top-p out of range");
            check(positionals.size() <= 3, "more positionals than allowed");
            check(cache == "preallocated" || cache == "concat", "--cache took a word outside its list");
            check(!(cli.given("--prompt") && cli.given("--prompt-ids")), "--prompt with --prompt-ids was accepted");
            check(!cli.given("--bench-mb") || bench, "--bench-mb without --bench was accepted");
            (void)cli.given("--seed");
        }
    } catch (const gpt2::UserError& e) {
        const std::string message = e.what();
        check(!message.empty(), "empty error message");
        // What the user typed is echoed with control characters escaped: the error is always
        // exactly one line, whatever the input.
        check(message.find('\n') == std::string::npos, "multi-line error message");
    }
    for (const std::string& w : words) parse_numbers(w);
    return 0;
}
