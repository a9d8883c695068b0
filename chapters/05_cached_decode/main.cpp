// Chapter 05 — cached decoding: keep every past token's keys and values, compute each new
// token once.
//
// Adds: the KV cache (kv_cache.cpp, KVCache::append), prefill + one-token decode steps
// (cached_decode.cpp: forward_cached, generate_cached), the concatenating cache people write
// first (--cache concat), a check that nothing but the speed changed (--verify) and a
// benchmark against chapter 04 and against this machine's ceiling (--bench, bench.cpp).
// Builds on: chapter 03 (the forward pass) and chapter 04 (sampling, the generation loop).
//
// Run:  make chapter05 && ./chapter05
//       ./chapter05 -p "The meaning of life is" -n 100
//       ./chapter05 --verify -n 64          naive and cached: same tokens? logits how close?
//       ./chapter05 --cache concat -n 900   what copying the cache every step costs
//       ./chapter05 --bench                 (or make bench) the table and the plots

#include "05_cached_decode/bench.hpp"          // the flags; --bench (step 6)
#include "05_cached_decode/cached_decode.hpp"  // generate_cached: prefill, then one token per step
#include "05_cached_decode/kv_cache.hpp"       // KVCache and its append
#include "05_cached_decode/report.hpp"         // what the steps print

#include "04_naive_decode/generate.hpp"           // generate_naive (chapter 04), for --verify
#include "04_naive_decode/generation_report.hpp"  // TokenPrinter, prompt and tokenizer loading (chapter 04)
#include "common/errors.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace gpt2;
using chapter05::Flags;

const char* kSamplePrompt = "The quick brown fox";

// --- 1. The flags ---
bool parse_flags(int argc, char** argv, Flags& flags) {
    CliParser cli("chapter05", "Cached decoding: a KV cache makes every new token cost the same.");
    add_decoding_flags(cli, flags.model, flags.generation, kSamplePrompt, 100);
    cli.option("--cache", flags.cache, "preallocated|concat",
               "the cache layout: one allocation for the whole window (default), or grown by "
               "concatenation every step like torch.cat (shows what the copies cost)",
               {"preallocated", "concat"});
    cli.flag("--verify", flags.verify, "run naive AND cached decoding; compare tokens and logits step by step");
    cli.flag("--bench", flags.bench, "naive vs cached over growing outputs, against this machine's ceiling");
    cli.option("--bench-tokens", flags.bench_tokens, "\"N N ...\"",
               "new-token counts --bench reports (default: \"" + flags.bench_tokens + "\")");
    cli.option("--bench-prompt-tokens", flags.bench_prompt_tokens, "N",
               "prompt length for --bench when no prompt is given (default: 16)", 1, 1024);
    cli.option("--out-dir", flags.out_dir, "DIR", "where --bench writes its CSV and plots (default: build/out)");
    cli.flag("--force", flags.force, "let --bench replace files this tutorial did not write");
    cli.needs("--bench-tokens", "--bench", "--bench-tokens only applies to --bench; add --bench, or drop it");
    cli.excludes("--verify", "--bench", "--verify, --bench and --cache concat are separate runs; give one of them");
    cli.epilog(sampling_defaults_line() +
        "\nThe same flags and seed give the same tokens as ./chapter04.\n"
        "Examples:\n"
        "  ./chapter05 -p \"The meaning of life is\" -n 100 --greedy\n"
        "  ./chapter05 --verify -n 64 --temperature 1 --top-k 50 --seed 7\n"
        "  ./chapter05 --cache concat -n 900\n"
        "  ./chapter05 --bench --bench-tokens \"16 64 256\"      (make bench runs the default sweep)");
    if (!cli.parse(argc, argv)) return false;
    apply_model_flags(cli, flags.model);
    // --bench measures GPT-2 124M's cost: without --model it times data/gpt2 or the random
    // 124M-shaped model, never the small trained one (its point is text, not cost).
    if (flags.bench && !cli.given("--model")) flags.model.model = default_benchmark_model_arg();
    // --cache concat is a value, not a flag, so this rule is checked after parsing.
    if ((flags.verify || flags.bench) && flags.cache == "concat")
        throw UserError("--verify, --bench and --cache concat are separate runs; give one of them");
    return true;
}

KVCache::Layout layout_of(const std::string& name) {
    return name == "concat" ? KVCache::Layout::Concat : KVCache::Layout::Preallocated;
}

// --- 5. --verify: the cache changes the speed, nothing else ---
int run_verify(const Gpt2Weights& weights, const std::vector<int>& prompt, GenerationOptions options, bool json) {
    options.capture_logits = true;
    chapter05::VerifyResult v;
    v.prompt = prompt;
    if (!json) std::fprintf(stderr, "running naive decoding (chapter 04) ...\n");
    v.naive = generate_naive(weights, prompt, options);
    if (!json) std::fprintf(stderr, "running cached decoding ...\n");
    KVCache cache(weights.config);
    v.cached = generate_cached(weights, prompt, options, cache);
    const int steps = std::min(v.naive.new_tokens(), v.cached.new_tokens());
    for (int i = 0; i < steps; ++i) {
        v.max_abs_logit_diff.push_back(arma::abs(v.naive.step_logits[i] - v.cached.step_logits[i]).max());
        if (v.max_abs_logit_diff[i] > v.worst) v.worst = v.max_abs_logit_diff[i], v.worst_step = i + 1;
        if (v.first_difference < 0 && v.naive.generated_ids[i] != v.cached.generated_ids[i]) v.first_difference = i + 1;
    }
    v.identical = v.naive.generated_ids == v.cached.generated_ids;
    chapter05::print_verify(v, options.sampling, json);
    if (!v.identical)
        throw UserError(format("--verify: the token sequences differ from step %d on (max |logit diff| %.2e); "
                               "a cache bug, or a near-tie the tiny logit differences flipped",
                               v.first_difference, v.worst));
    return 0;
}

int body(int argc, char** argv) {
    Flags flags;
    if (!parse_flags(argc, argv, flags)) return 0;
    const GenerationOptions options = generation_options(flags.generation);  // bad values stop here

    // (--bench can do without a tokenizer: its default prompt falls back to fixed ids.)
    const std::optional<Tokenizer> tokenizer = load_tokenizer_if_possible(flags.model, !flags.bench);
    const Tokenizer* text = tokenizer ? &*tokenizer : nullptr;
    const Gpt2Weights weights = load_model(flags.model);
    // --- 6. --bench: how much faster, and how fast could it be? (bench.cpp) ---
    if (flags.bench) return chapter05::run_bench(flags, weights, tokenizer);

    const std::vector<int> prompt = prompt_ids(flags.model, weights.config, tokenizer);
    check_prompt_fits(prompt, weights.config.n_positions);
    if (flags.verify) return run_verify(weights, prompt, options, flags.model.json);

    // --- 2. The KV cache: the whole window allocated once (or grown by copying: --cache concat) ---
    KVCache cache(weights.config, 0, layout_of(flags.cache));

    // --- 3. Prefill, then one token per step, streamed as it is chosen ---
    const bool stream = !flags.model.json;
    const TokenPrinter printer(text);
    if (stream) {
        std::printf("sampling: %s; cache: %s\n\n", options.sampling.describe().c_str(), flags.cache.c_str());
        printer.prompt(prompt);
    }
    const Generation run = generate_cached(weights, prompt, options, cache, [&](int token) {
        if (stream) printer.token(token);
    });

    // --- 4. The default run's report (and, with --cache concat, the same run preallocated) ---
    if (flags.model.json) {
        chapter05::print_generation_json(run, cache, flags.cache, text, options.sampling, weights.source);
        return 0;
    }
    printer.end();
    chapter05::print_summary(run, cache, weights.config);
    if (flags.cache == "concat" && run.new_tokens() > 1) {
        std::fprintf(stderr, "running the same generation with the preallocated cache, for comparison ...\n");
        KVCache preallocated(weights.config);
        chapter05::print_concat_comparison(run, generate_cached(weights, prompt, options, preallocated), weights.config);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter05", argc, argv, body); }
