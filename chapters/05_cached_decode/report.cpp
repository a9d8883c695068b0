// report.cpp — chapter 05's printed results (see report.hpp).
#include "05_cached_decode/report.hpp"

#include "04_naive_decode/generation_report.hpp"
#include "common/json_out.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cstdio>

namespace chapter05 {

using namespace gpt2;

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
                human_bytes(static_cast<std::uint64_t>(cache.bytes())).c_str(), human_bytes(static_cast<std::uint64_t>(cache.bytes_in_use())).c_str(), cache.length(), config.n_layer,
                config.n_embd, with_commas(per_token).c_str());
    std::printf("peak resident memory  %s\n", human_bytes(static_cast<std::uint64_t>(peak_rss_bytes())).c_str());
}

void print_generation_json(const Generation& run, const KVCache& cache, const std::string& layout,
                           const Tokenizer* tokenizer, const SamplingSettings& sampling, const std::string& model) {
    Json out = {{"chapter", "05_cached_decode"}, {"model", model}, {"cache_layout", layout}};
    out.update(generation_json(run, tokenizer, sampling));
    out["cache"] = {{"length", cache.length()},
                    {"capacity", cache.capacity()},
                    {"bytes_allocated", cache.bytes()},
                    {"bytes_in_use", cache.bytes_in_use()}};
    out["peak_rss_bytes"] = peak_rss_bytes();
    out["step_seconds"] = std::vector<double>(run.step_seconds.begin(), run.step_seconds.begin() + run.new_tokens());
    gpt2::print_json(out);
}

// Each step, the concat layout allocates bigger K and V matrices and copies every cached
// column: at cache length L that is L·2·n_layer·n_embd floats. Summed over a run: quadratic.
void print_concat_comparison(const Generation& concat, const Generation& preallocated, const Gpt2Config& config) {
    const double per_token = 2.0 * config.n_layer * config.n_embd * sizeof(float);
    double copied = 0;  // bytes the concat layout copied over the run (the prefill starts from nothing)
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
                human_bytes(static_cast<std::uint64_t>(copied)).c_str(), concat.new_tokens() - 1,
                human_bytes(static_cast<std::uint64_t>((concat.step_context.back() - 1) * per_token)).c_str(),
                (concat.decode_s / preallocated.decode_s - 1.0) * 100.0);
}

void print_verify(const VerifyResult& v, const SamplingSettings& sampling, bool json) {
    const int steps = static_cast<int>(v.max_abs_logit_diff.size());
    if (json) {
        gpt2::print_json({{"chapter", "05_cached_decode"},
                          {"mode", "verify"},
                          {"prompt_ids", v.prompt},
                          {"naive_ids", v.naive.generated_ids},
                          {"cached_ids", v.cached.generated_ids},
                          {"generated_ids", v.cached.generated_ids},
                          {"identical", v.identical},
                          {"max_abs_logit_diff", v.worst},
                          {"max_abs_logit_diff_per_step", v.max_abs_logit_diff},
                          {"naive_s", v.naive.time_to_first_token_s + v.naive.decode_s},
                          {"cached_s", v.cached.time_to_first_token_s + v.cached.decode_s}});
    } else {
        std::vector<std::vector<std::string>> rows;
        const int stride = steps <= 24 ? 1 : steps / 16;
        for (int i = 0; i < steps; ++i) {
            if (i % stride != 0 && i != steps - 1 && i + 1 != v.first_difference) continue;
            rows.push_back({std::to_string(i + 1), std::to_string(v.naive.step_context[i]),
                            std::to_string(v.naive.generated_ids[i]), std::to_string(v.cached.generated_ids[i]),
                            format("%.2e", v.max_abs_logit_diff[i])});
        }
        std::printf("naive vs cached: %zu-token prompt, %s, %d new tokens\n%s", v.prompt.size(),
                    sampling.describe().c_str(), steps,
                    format_table({"step", "L", "naive token", "cached token", "max |logit diff|"}, rows).c_str());
        if (stride > 1) std::printf("(one step in %d shown)\n", stride);
        std::printf("identical tokens: %s (%d of %d steps)\n", v.identical ? "yes" : "NO",
                    v.first_difference < 0 ? steps : v.first_difference - 1, steps);
        std::printf("max |logit difference| over all steps: %.2e (step %d) — not always 0: the two paths add the\n"
                    "same numbers in a different order (gemm vs gemv blocking), and float addition is not associative.\n",
                    v.worst, v.worst_step);
        std::printf("time: naive %.2f s, cached %.2f s\n", v.naive.time_to_first_token_s + v.naive.decode_s,
                    v.cached.time_to_first_token_s + v.cached.decode_s);
    }
}

}  // namespace chapter05
