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
//       ./chapter05 --bench                 (or make bench) the table and the plot

#include "05_cached_decode/bench.hpp"

#include "04_naive_decode/generate.hpp"
#include "common/errors.hpp"
#include "04_naive_decode/generation_report.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"
#include "05_cached_decode/cached_decode.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace gpt2;
using chapter05::Flags;

const char* kSamplePrompt = "The quick brown fox";

// --- 1. Flags ---
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
    cli.option("--out-dir", flags.out_dir, "DIR", "where --bench writes its CSV and plot (default: build/out)");
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
    // --cache concat is a value, not a flag, so this rule is checked after parsing.
    if ((flags.verify || flags.bench) && flags.cache == "concat")
        throw UserError("--verify, --bench and --cache concat are separate runs; give one of them");
    return true;
}

KVCache::Layout layout_of(const std::string& name) {
    return name == "concat" ? KVCache::Layout::Concat : KVCache::Layout::Preallocated;
}

// --- 2. The KV cache: kv_cache.cpp ---
// --- 3. Prefill, then one token per step: cached_decode.cpp ---

// --- 4. The default run: generate, then a short summary ---
std::string mib(double bytes) { return format("%.1f MiB", bytes / (1024.0 * 1024.0)); }

void print_summary(const Generation& run, const KVCache& cache, const Gpt2Config& config) {
    const int decoded = run.new_tokens() - 1;
    const std::uint64_t per_token = 2ULL * config.n_layer * config.n_embd * sizeof(float);
    std::printf("\n[%s]\n", run.stop_message().c_str());
    std::printf("time to first token   %.3f s   (prefill of the %zu-token prompt + sampling)\n",
                run.time_to_first_token_s, run.prompt_ids.size());
    if (decoded > 0) {
        std::printf("time per output token %.1f ms  (%d decode steps after the first token)\n",
                    run.decode_s / decoded * 1e3, decoded);
        std::printf("tokens/s              %.1f\n", run.decode_tokens_per_s());
    }
    std::printf("cache memory          %s allocated, %s in use (%d tokens x %d layers x K,V x %d floats = %s "
                "bytes per token)\n",
                mib(cache.bytes()).c_str(), mib(cache.bytes_in_use()).c_str(), cache.length(), config.n_layer,
                config.n_embd, with_commas(per_token).c_str());
    std::printf("peak resident memory  %s\n", mib(peak_rss_bytes()).c_str());
}

void print_generation_json(const Generation& run, const KVCache& cache, const Flags& flags,
                           const std::optional<Tokenizer>& tokenizer, const GenerationOptions& options,
                           const std::string& model) {
    Json out = {{"chapter", "05_cached_decode"}, {"model", model}, {"cache_layout", flags.cache}};
    out.update(generation_json(run, tokenizer ? &*tokenizer : nullptr, options.sampling));
    out["cache"] = {{"length", cache.length()},
                    {"capacity", cache.capacity()},
                    {"bytes_allocated", cache.bytes()},
                    {"bytes_in_use", cache.bytes_in_use()}};
    out["peak_rss_bytes"] = peak_rss_bytes();
    out["step_seconds"] = std::vector<double>(run.step_seconds.begin(), run.step_seconds.begin() + run.new_tokens());
    gpt2::print_json(out);
}

// --- 5. --cache concat: what growing the cache by copying costs ---
// Each step, make_room() allocates bigger K and V matrices and copies every cached column:
// at cache length L that is L·2·n_layer·n_embd floats. Summed over a run: quadratic.
void print_concat_comparison(const Generation& concat, const Generation& preallocated, const Gpt2Config& config) {
    const double per_token = 2.0 * config.n_layer * config.n_embd * sizeof(float);
    double copied = 0;  // bytes make_room copied over the run (the prefill starts from nothing)
    for (int i = 1; i < concat.new_tokens(); ++i) copied += (concat.step_context[i] - 1) * per_token;
    auto row = [](const char* name, const Generation& run, const std::string& copies) {
        const int decoded = std::max(1, run.new_tokens() - 1);
        const int tail = std::max(1, decoded / 10);  // the last tenth of the steps: the longest cache
        double tail_s = 0;
        for (int i = run.new_tokens() - tail; i < run.new_tokens(); ++i) tail_s += run.step_seconds[i];
        return std::vector<std::string>{name, format("%.2f", run.decode_s / decoded * 1e3),
                                        format("%.2f", tail_s / tail * 1e3), format("%.1f", run.decode_tokens_per_s()),
                                        copies};
    };
    std::printf("\nThe same generation with both cache layouts:\n%s",
                format_table({"layout", "ms/token", "ms/token (last 10%)", "tokens/s", "bytes copied"},
                             {row("concat", concat, with_commas(static_cast<unsigned long long>(copied))),
                              row("preallocated", preallocated, "0")})
                    .c_str());
    std::printf("concat copied %s over %d steps (%s at the last step); it cost %+.1f%% decode time here.\n"
                "The copies grow with the cache, so the gap widens on long runs (try -n 900).\n",
                mib(copied).c_str(), concat.new_tokens() - 1,
                mib((concat.step_context.back() - 1) * per_token).c_str(),
                (concat.decode_s / preallocated.decode_s - 1.0) * 100.0);
}

// --- 6. --verify: the cache changes the speed, nothing else ---
int run_verify(const Gpt2Weights& weights, const std::vector<int>& prompt, GenerationOptions options, bool json) {
    options.capture_logits = true;
    if (!json) std::fprintf(stderr, "running naive decoding (chapter 04) ...\n");
    const Generation naive = generate_naive(weights, prompt, options);
    if (!json) std::fprintf(stderr, "running cached decoding ...\n");
    KVCache cache(weights.config);
    const Generation cached = generate_cached(weights, prompt, options, cache);

    const int steps = std::min(naive.new_tokens(), cached.new_tokens());
    int first_difference = -1;
    std::vector<double> diffs(steps);
    double worst = 0;
    int worst_step = 0;
    for (int i = 0; i < steps; ++i) {
        diffs[i] = arma::abs(naive.step_logits[i] - cached.step_logits[i]).max();
        if (diffs[i] > worst) worst = diffs[i], worst_step = i + 1;
        if (first_difference < 0 && naive.generated_ids[i] != cached.generated_ids[i]) first_difference = i + 1;
    }
    const bool identical = naive.generated_ids == cached.generated_ids;
    if (json) {
        gpt2::print_json({{"chapter", "05_cached_decode"},
                          {"mode", "verify"},
                          {"prompt_ids", prompt},
                          {"naive_ids", naive.generated_ids},
                          {"cached_ids", cached.generated_ids},
                          {"generated_ids", cached.generated_ids},
                          {"identical", identical},
                          {"max_abs_logit_diff", worst},
                          {"max_abs_logit_diff_per_step", diffs},
                          {"naive_s", naive.time_to_first_token_s + naive.decode_s},
                          {"cached_s", cached.time_to_first_token_s + cached.decode_s}});
    } else {
        std::vector<std::vector<std::string>> rows;
        const int stride = steps <= 24 ? 1 : steps / 16;
        for (int i = 0; i < steps; ++i) {
            if (i % stride != 0 && i != steps - 1 && i + 1 != first_difference) continue;
            rows.push_back({std::to_string(i + 1), std::to_string(naive.step_context[i]),
                            std::to_string(naive.generated_ids[i]), std::to_string(cached.generated_ids[i]),
                            format("%.2e", diffs[i])});
        }
        std::printf("naive vs cached: %zu-token prompt, %s, %d new tokens\n%s", prompt.size(),
                    options.sampling.describe().c_str(), steps,
                    format_table({"step", "L", "naive token", "cached token", "max |logit diff|"}, rows).c_str());
        if (stride > 1) std::printf("(one step in %d shown)\n", stride);
        std::printf("identical tokens: %s (%d of %d steps)\n", identical ? "yes" : "NO",
                    first_difference < 0 ? steps : first_difference - 1, steps);
        std::printf("max |logit difference| over all steps: %.2e (step %d) — not always 0: the two paths add the\n"
                    "same numbers in a different order (gemm vs gemv blocking), and float addition is not associative.\n",
                    worst, worst_step);
        std::printf("time: naive %.2f s, cached %.2f s\n", naive.time_to_first_token_s + naive.decode_s,
                    cached.time_to_first_token_s + cached.decode_s);
    }
    if (!identical)
        throw UserError(format("--verify: the token sequences differ from step %d on (max |logit diff| %.2e); "
                               "a cache bug, or a near-tie the tiny logit differences flipped",
                               first_difference, worst));
    return 0;
}

int body(int argc, char** argv) {
    Flags flags;
    if (!parse_flags(argc, argv, flags)) return 0;
    const GenerationOptions options = generation_options(flags.generation);  // bad values stop here

    // (--bench can do without a tokenizer: its default prompt falls back to fixed ids.)
    const std::optional<Tokenizer> tokenizer = load_tokenizer_if_possible(flags.model, !flags.bench);
    const Gpt2Weights weights = load_model(flags.model);
    if (flags.bench) return chapter05::run_bench(flags, weights, tokenizer);

    const std::vector<int> prompt = prompt_ids(flags.model, weights.config, tokenizer);
    check_prompt_fits(prompt, weights.config.n_positions);
    if (flags.verify) return run_verify(weights, prompt, options, flags.model.json);

    // The default run (and --cache concat): prefill, then stream one token per step.
    const bool stream = !flags.model.json;
    const TokenPrinter printer(tokenizer ? &*tokenizer : nullptr);
    if (stream) {
        std::printf("sampling: %s; cache: %s\n\n", options.sampling.describe().c_str(), flags.cache.c_str());
        printer.prompt(prompt);
    }
    KVCache cache(weights.config, 0, layout_of(flags.cache));  // the whole window, allocated once
    const Generation run = generate_cached(weights, prompt, options, cache, [&](int token) {
        if (stream) printer.token(token);
    });
    if (flags.model.json) {
        print_generation_json(run, cache, flags, tokenizer, options, weights.source);
        return 0;
    }
    printer.end();
    print_summary(run, cache, weights.config);
    if (flags.cache == "concat" && run.new_tokens() > 1) {
        std::fprintf(stderr, "running the same generation with the preallocated cache, for comparison ...\n");
        KVCache preallocated(weights.config);
        const Generation baseline = generate_cached(weights, prompt, options, preallocated);
        print_concat_comparison(run, baseline, weights.config);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter05", argc, argv, body); }
