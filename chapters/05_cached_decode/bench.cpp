// bench.cpp — chapter 05's --bench (README step 6): naive vs cached decoding over growing
// outputs, next to the cost model's prediction and this machine's ceiling, measured in the
// same run. Writes the per-step times (CSV) and the lesson's figures (gnuplot): step time vs
// position (log and linear scale), the total time after N tokens, and the attention staircase.
//
// One run of N_max tokens per path, not one per length: a run of N tokens does exactly the
// first N steps of the N_max run (same prompt, greedy, no early stop), so the time for N is
// the sum of those first N step times. That keeps `make bench` to a few minutes.

#include "05_cached_decode/bench.hpp"

#include "common/cli.hpp"
#include "04_naive_decode/cost_model.hpp"
#include "04_naive_decode/generate.hpp"
#include "common/errors.hpp"
#include "04_naive_decode/generation_report.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "common/paths.hpp"
#include "common/progress.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"
#include "05_cached_decode/cached_decode.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

namespace chapter05 {

using namespace gpt2;

std::vector<int> parse_token_counts(const std::string& text, int max) {
    std::vector<int> counts;
    for (long long n : parse_integer_list(text, "--bench-tokens", "count", 1, std::max(1, max), 1000))
        counts.push_back(static_cast<int>(n));
    if (counts.empty()) throw UserError("--bench-tokens: give at least one count, e.g. \"16 64 256\"");
    std::sort(counts.begin(), counts.end());
    counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
    return counts;
}

namespace {

Generation timed_run(const char* what, const Gpt2Weights& weights, const std::vector<int>& prompt,
                     const GenerationOptions& options, KVCache* cache) {
    Progress progress(what, options.max_new_tokens);
    int done = 0;
    const TokenFn tick = [&](int) { progress.update(++done); };
    return cache ? generate_cached(weights, prompt, options, *cache, tick) : generate_naive(weights, prompt, options, tick);
}

double sum_first(const std::vector<double>& values, int n) {
    return std::accumulate(values.begin(), values.begin() + n, 0.0);
}

// The bench prompt: the user's, else the sample text's tokens repeated to `length`.
std::vector<int> bench_prompt(const Flags& flags, const Gpt2Weights& weights, const std::optional<Tokenizer>& tokenizer) {
    if (flags.model.prompt_given || flags.model.prompt_ids_given) return prompt_ids(flags.model, weights.config, tokenizer);
    // Without a tokenizer: "The quick brown fox" as GPT-2 ids.
    std::vector<int> base = tokenizer ? tokenizer->encode(flags.model.prompt) : std::vector<int>{464, 2068, 7586, 21831};
    if (base.empty()) base = {464, 2068, 7586, 21831};
    std::vector<int> ids;
    while (static_cast<int>(ids.size()) < flags.bench_prompt_tokens) ids.push_back(base[ids.size() % base.size()]);
    return ids;
}

// "86 GFLOP/s at L=16, 140 at L=32, …": the first width, the powers of two, the last, and
// the slowest and fastest (the rate is measured at every width; printing 512 is too many).
std::string rate_sample(const std::vector<int>& widths, const std::vector<double>& flops_per_s) {
    std::string text;
    for (std::size_t i = 0; i < widths.size(); ++i) {
        const int L = widths[i];
        if (i != 0 && i + 1 != widths.size() && (L & (L - 1)) != 0) continue;
        text += format("%s%.0f%s at L=%d", text.empty() ? "" : ", ", flops_per_s[i] / 1e9, text.empty() ? " GFLOP/s" : "", L);
    }
    const auto [slowest, fastest] = std::minmax_element(flops_per_s.begin(), flops_per_s.end());
    text += format("; slowest %.0f at L=%d, fastest %.0f at L=%d", *slowest / 1e9, widths[slowest - flops_per_s.begin()],
                   *fastest / 1e9, widths[fastest - flops_per_s.begin()]);
    return text;
}

// How well the cost model predicts each naive step: measured / predicted, median and worst.
struct ModelFit {
    double median = 0, worst = 0;
    int worst_context = 0;
};
ModelFit naive_fit(const Generation& naive, const Gpt2Config& config, const MachineRates& rates) {
    std::vector<double> ratios;
    ModelFit fit;
    for (std::size_t i = 0; i < naive.step_seconds.size(); ++i) {
        const double ratio = naive.step_seconds[i] / predict_naive_step_s(config, naive.step_context[i], rates);
        ratios.push_back(ratio);
        if (ratio > fit.worst) fit = {0, ratio, naive.step_context[i]};
    }
    if (ratios.empty()) return fit;
    std::nth_element(ratios.begin(), ratios.begin() + ratios.size() / 2, ratios.end());
    fit.median = ratios[ratios.size() / 2];
    return fit;
}

// Prefill of `tokens` tokens into a fresh cache: best of three (after a warm-up).
double measure_prefill(const Gpt2Weights& weights, int tokens) {
    std::vector<int> ids(tokens);
    for (int i = 0; i < tokens; ++i) ids[i] = (i * 7919) % weights.config.vocab_size;
    KVCache cache(weights.config, tokens);
    std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(weights.config, tokens);
    arma::fvec logits;
    double best = 1e30;
    for (int r = 0; r < 4; ++r) {
        cache.reset();
        Stopwatch watch;
        forward_cached(weights, ids, cache, *buffers, logits);
        if (r > 0) best = std::min(best, watch.seconds());
    }
    return best;
}

}  // namespace

int run_bench(const Flags& flags, const Gpt2Weights& weights, const std::optional<Tokenizer>& tokenizer) {
    const Gpt2Config& config = weights.config;
    const std::vector<int> prompt = bench_prompt(flags, weights, tokenizer);
    check_prompt_fits(prompt, config.n_positions);
    // Tokens a run can add: one per position from the prompt's last to the window's last.
    const int room = config.n_positions + 1 - static_cast<int>(prompt.size());
    const std::vector<int> counts = parse_token_counts(flags.bench_tokens, room);
    const int longest = counts.back();
    const int P = static_cast<int>(prompt.size());
    const std::string out_dir = flags.out_dir.empty() ? default_output_dir() : flags.out_dir;
    make_directories(out_dir);
    const std::string csv_path = out_dir + "/ch05_bench_steps.csv", plot_path = out_dir + "/ch05_step_times.png";
    const std::string linear_path = out_dir + "/ch05_step_times_linear.png";
    const std::string cumulative_path = out_dir + "/ch05_cumulative_time.png";
    const std::string staircase_path = out_dir + "/ch05_attention_staircase.png";
    // Refuse to clobber before spending minutes (write_output_file checks again at the end).
    for (const std::string& path : {csv_path, plot_path, linear_path, cumulative_path, staircase_path})
        OutputFile check(path, flags.force);

    // 1. This machine's rates, measured now with the model's own matrices, at every sequence
    //    length a naive step will run over (P, P + 1, …, P + longest − 1).
    const MachineRates rates = measure_machine(weights, naive_step_widths(P, longest), 5, [](const std::string& what) {
        std::fprintf(stderr, "measuring %s ...\n", what.c_str());
    });
    std::fprintf(stderr, "measuring a prefill of 256 tokens ...\n");
    const int prefill_tokens = std::min(256, config.n_positions);
    const double prefill_s = measure_prefill(weights, prefill_tokens);

    // 2. The runs: greedy, no early stop, so every path does exactly `longest` steps.
    GenerationOptions options;
    options.max_new_tokens = longest;
    options.sampling.temperature = 0;
    options.stop_at_end_of_text = false;
    const Generation cached = [&] {
        KVCache cache(config);
        return timed_run("cached (preallocated)", weights, prompt, options, &cache);
    }();
    const std::uint64_t full_cache_peak_rss = [&] {
        KVCache full(config);  // a whole-window cache, allocated and touched: the memory target
        return peak_rss_bytes();
    }();
    const Generation concat = [&] {
        KVCache cache(config, 0, KVCache::Layout::Concat);
        return timed_run("cached (concat)", weights, prompt, options, &cache);
    }();
    const Generation naive = timed_run("naive (chapter 04)", weights, prompt, options, nullptr);
    const bool identical = naive.generated_ids == cached.generated_ids && concat.generated_ids == cached.generated_ids;
    const ModelFit fit = naive_fit(naive, config, rates);

    // 3. The table: each length's time is the sum of the first N steps of the run.
    std::vector<std::vector<std::string>> rows;
    Json json_rows = Json::array();
    for (int n : counts) {
        const double naive_s = sum_first(naive.step_seconds, n), cached_s = sum_first(cached.step_seconds, n);
        const double concat_s = sum_first(concat.step_seconds, n);
        const double predicted = predict_naive_total_s(config, P, n, rates) / predict_cached_total_s(config, P, n, rates);
        // Cached decode vs the ceiling: the mean decode step (after the prefill) against one
        // weight sweep. (n = 1 has no decode step.)
        const double decode_step = n > 1 ? (cached_s - cached.step_seconds[0]) / (n - 1) : 0;
        const double of_ceiling = decode_step > 0 ? rates.sweep_s / decode_step : 0;
        rows.push_back({std::to_string(n), format("%.2f", naive_s), format("%.3f", cached_s), format("%.3f", concat_s),
                        format("%.1fx", naive_s / cached_s), format("%.1fx", predicted),
                        format("%+.0f%%", (naive_s / cached_s / predicted - 1) * 100),
                        n > 1 ? format("%.0f%%", of_ceiling * 100) : "-"});
        json_rows.push_back({{"new_tokens", n},
                             {"naive_s", naive_s},
                             {"cached_s", cached_s},
                             {"concat_s", concat_s},
                             {"speedup", naive_s / cached_s},
                             {"predicted_speedup", predicted},
                             {"cached_fraction_of_ceiling", n > 1 ? of_ceiling : 0.0}});
    }

    // 4. Raw per-step times (CSV) and the plot.
    std::string csv = "step,context,naive_s,cached_s,concat_s,naive_predicted_s,cached_predicted_s\n";
    for (int i = 0; i < longest; ++i) {
        const int context = naive.step_context[i];
        const double cached_predicted =
            i == 0 ? predict_naive_step_s(config, context, rates) : predict_cached_step_s(config, context, rates);
        csv += format("%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f\n", i + 1, context, naive.step_seconds[i], cached.step_seconds[i],
                      concat.step_seconds[i], predict_naive_step_s(config, context, rates), cached_predicted);
    }
    write_output_file(csv_path, csv, flags.force);
    const std::string model_name = weights.is_random ? "random 124M-shaped weights" : shown_path(weights.source);
    // Draws one picture with a chapter's .gp file; `out` is set here, the rest by the caller.
    std::vector<std::string> plots;
    const auto draw = [&](const std::string& path, const char* gp_file,
                          std::vector<std::pair<std::string, std::string>> variables) {
        OutputFile picture(path, flags.force);
        variables.push_back({"out", picture.temp_path()});
        if (run_gnuplot_file(gp_file, variables, picture)) plots.push_back(path);  // committed when gnuplot succeeded
    };
    const std::vector<std::pair<std::string, std::string>> run_variables = {
        {"csv", csv_path}, {"model", model_name}, {"prompt", std::to_string(P)}};
    std::vector<std::pair<std::string, std::string>> step_variables = run_variables;
    step_variables.push_back({"ceiling_ms", format("%.6f", rates.sweep_s * 1000)});
    draw(plot_path, "chapters/05_cached_decode/step_times.gp", step_variables);
    const bool plotted = !plots.empty();  // the log-scale picture: --json's "plot", as before
    step_variables.push_back({"scale", "linear"});
    draw(linear_path, "chapters/05_cached_decode/step_times.gp", step_variables);
    draw(cumulative_path, "chapters/05_cached_decode/cumulative_time.gp", run_variables);
    draw(staircase_path, "chapters/05_cached_decode/attention_staircase.gp", {});

    const double cached_decode_ms = cached.new_tokens() > 1 ? cached.decode_s / (cached.new_tokens() - 1) * 1e3 : 0;
    if (flags.model.json) {
        Json gemm = Json::array();
        for (std::size_t i = 0; i < rates.gemm_tokens.size(); ++i)
            gemm.push_back({{"tokens", rates.gemm_tokens[i]},
                            {"flops_per_s", rates.gemm_flops_per_s[i]},
                            {"attention_flops_per_s", rates.attention_flops_per_s[i]}});
        print_json({{"chapter", "05_cached_decode"},
                    {"mode", "bench"},
                    {"model", weights.source},
                    {"prompt_ids", prompt},
                    {"generated_ids", cached.generated_ids},
                    {"identical_tokens", identical},
                    {"ceiling", {{"sweep_s", rates.sweep_s},
                                 {"sweep_bytes", rates.sweep_bytes},
                                 {"tokens_per_s", rates.ceiling_tokens_per_s()},
                                 {"bandwidth_bytes_per_s", rates.bandwidth_bytes_per_s()}}},
                    {"gemm", gemm},
                    {"prefill_256_s", prefill_s},
                    {"cached_decode_tokens_per_s", cached.decode_tokens_per_s()},
                    {"naive_step_vs_model", {{"median", fit.median}, {"worst", fit.worst}, {"worst_context", fit.worst_context}}},
                    {"peak_rss_bytes", full_cache_peak_rss},
                    {"rows", json_rows},
                    {"csv", shown_path(csv_path)},
                    {"plot", plotted ? Json(shown_path(plot_path)) : Json(nullptr)},
                    {"plots", [&] {
                         Json shown = Json::array();
                         for (const std::string& path : plots) shown.push_back(shown_path(path));
                         return shown;
                     }()}});
        return 0;
    }
    std::printf("\nnaive vs cached decoding of %s, %d-token prompt, greedy, %s threads\n",
                weights.is_random ? "GPT-2 124M's shapes (random weights)" : shown_path(weights.source).c_str(), P,
                std::to_string(blas_threads()).c_str());
    std::printf("%s", format_table({"new tokens", "naive s", "cached s", "concat s", "speedup", "predicted",
                                    "vs predicted", "cached % of ceiling"},
                                   rows)
                          .c_str());
    std::printf("same tokens on all three paths: %s\n", identical ? "yes" : "NO");
    std::printf("ceiling: one matrix-vector sweep over %s of weights takes %.1f ms -> %.1f tokens/s (%.1f GB/s)\n",
                human_bytes(static_cast<std::uint64_t>(rates.sweep_bytes)).c_str(), rates.sweep_s * 1e3, rates.ceiling_tokens_per_s(),
                rates.bandwidth_bytes_per_s() / 1e9);
    std::printf("cached decode over %d tokens: %.1f ms/token = %.1f tokens/s = %.0f%% of the ceiling\n", longest,
                cached_decode_ms, cached.decode_tokens_per_s(),
                cached_decode_ms > 0 ? rates.sweep_s * 1e3 / cached_decode_ms * 100 : 0.0);
    std::printf("gemm rate at every L from %d to %d (a sample): %s\n", rates.gemm_tokens.front(),
                rates.gemm_tokens.back(), rate_sample(rates.gemm_tokens, rates.gemm_flops_per_s).c_str());
    std::printf("attention products' rate (a sample): %s\n",
                rate_sample(rates.gemm_tokens, rates.attention_flops_per_s).c_str());
    std::printf("naive step time / cost model: median %.2fx, worst %.2fx (at L=%d) over %d steps\n", fit.median,
                fit.worst, fit.worst_context, longest);
    std::printf("prefill of %d tokens: %.3f s (best of 3)\n", prefill_tokens, prefill_s);
    std::printf("peak resident memory with the model and a full %d-token cache: %s\n", config.n_positions,
                human_bytes(static_cast<std::uint64_t>(full_cache_peak_rss)).c_str());
    std::printf("wrote %s\n", shown_path(csv_path).c_str());
    for (const std::string& path : plots) std::printf("wrote %s\n", shown_path(path).c_str());
    return 0;
}

}  // namespace chapter05
