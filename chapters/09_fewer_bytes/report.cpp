#include "09_fewer_bytes/report.hpp"

#include "common/report.hpp"

#include <cstdio>

namespace chapter09 {

using namespace gpt2;

void print_summary(const Generation& run, DType weights, DType kv, const RunMemory& memory) {
    const int decoded = run.new_tokens() - 1;
    std::printf("\n[%s]\n", run.stop_message().c_str());
    std::printf("formats               weights %s, KV cache %s\n", dtype_name(weights).c_str(),
                dtype_name(kv).c_str());
    std::printf("time to first token   %.3f s\n", run.time_to_first_token_s);
    if (decoded > 0)
        std::printf("time per output token %.1f ms  (%d decode steps after the first token)\ntokens/s              %.1f\n",
                    run.decode_s / decoded * 1e3, decoded, run.decode_tokens_per_s());
    std::printf("weights               %s\n", human_bytes(memory.weights_bytes).c_str());
    std::printf("cache                 %s allocated, %s bytes per token\n", human_bytes(memory.cache_bytes).c_str(),
                with_commas(memory.cache_bytes_per_token).c_str());
    std::printf("peak resident memory  %s\n", human_bytes(memory.peak_rss_bytes).c_str());
}

Json memory_json(const RunMemory& memory) {
    return {{"weights_bytes", memory.weights_bytes},
            {"cache_bytes", memory.cache_bytes},
            {"cache_bytes_per_token", memory.cache_bytes_per_token},
            {"peak_rss_bytes", memory.peak_rss_bytes}};
}

void print_comparisons(const std::vector<FormatComparison>& results) {
    std::vector<std::vector<std::string>> rows;
    for (const FormatComparison& c : results) {
        std::string divergence = "none";
        for (const PromptComparison& p : c.prompts)
            if (p.first_greedy_divergence && *p.first_greedy_divergence == c.first_greedy_divergence())
                divergence = format("step %d (fp32 margin %.3f)", *p.first_greedy_divergence, p.margin_at_divergence);
        rows.push_back({dtype_name(c.weights), dtype_name(c.kv), format("%.4f", c.max_abs_logit_diff),
                        format("%.2e", c.kl_mean), format("%.1f%%", c.top1_agreement * 100), divergence,
                        c.perplexity ? format("%.3f (fp32 %.3f)", *c.perplexity, *c.perplexity_fp32) : "-"});
    }
    std::printf("%s", format_table({"weights", "kv", "max |Δ logit|", "KL mean", "top-1 agrees", "first greedy divergence",
                                    "perplexity"},
                                   rows)
                          .c_str());
    std::printf("(teacher-forced on float32's own greedy tokens; the divergence is each combination's own greedy run)\n");
}

Json comparisons_json(const std::vector<FormatComparison>& results) {
    Json out = Json::array();
    for (const FormatComparison& c : results) {
        Json prompts = Json::array();
        for (const PromptComparison& p : c.prompts)
            prompts.push_back({{"prompt_ids", p.prompt},
                               {"steps", p.steps},
                               {"first_greedy_divergence", p.first_greedy_divergence ? Json(*p.first_greedy_divergence) : Json(nullptr)},
                               {"fp32_margin_at_divergence", p.first_greedy_divergence ? Json(p.margin_at_divergence) : Json(nullptr)}});
        const std::optional<int> first = c.first_greedy_divergence();
        out.push_back({{"weights", dtype_name(c.weights)},
                       {"kv", dtype_name(c.kv)},
                       {"max_abs_logit_diff", c.max_abs_logit_diff},
                       {"kl_mean", c.kl_mean},
                       {"top1_agreement", c.top1_agreement},
                       {"first_greedy_divergence", first ? Json(*first) : Json(nullptr)},
                       {"perplexity", c.perplexity ? Json(*c.perplexity) : Json(nullptr)},
                       {"perplexity_fp32", c.perplexity_fp32 ? Json(*c.perplexity_fp32) : Json(nullptr)},
                       {"prompts", prompts}});
    }
    return out;
}

}  // namespace chapter09
