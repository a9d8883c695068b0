// estimate_report.cpp — chapter 06's one-model result, shown: the text report (step by step,
// as the lesson reads) or the JSON object (--json). Every number comes from the Estimate;
// nothing here computes.
#include "06_memory_estimator/estimate.hpp"

#include "common/report.hpp"

#include <cstdio>
#include <string>

namespace gpt2::ch06 {

namespace {

// Two spaces before every line, so tables sit under their step's title.
std::string indented(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        out += "  " + text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::string sized(std::uint64_t bytes) { return with_commas(bytes) + " bytes (" + human_bytes(bytes) + ")"; }
std::string commas(std::uint64_t n) { return with_commas(n); }

std::string attention_kind(const ModelSpec& m) {
    if (m.n_kv_heads == m.n_head) return "MHA";
    if (m.n_kv_heads == 1) return "MQA";
    return "GQA, " + std::to_string(m.n_head / m.n_kv_heads) + " query heads share each kv head";
}

void print_formula(const Estimate& e) {
    const ModelSpec& m = e.model;
    std::printf("KV cache of %s (%s)\n", m.name.c_str(), m.source.c_str());
    std::printf("  %d layers, %d heads, %d kv heads (%s), head_dim %d, d_model %d, max context %s tokens%s\n",
                m.n_layer, m.n_head, m.n_kv_heads, attention_kind(m).c_str(), m.head_dim, m.d_model,
                commas(m.max_context).c_str(), m.sliding_window > 0 ? (", sliding window " + commas(m.sliding_window)).c_str() : "");
    std::printf("  dtype %s (%d bits per value), context %s tokens, batch %s\n\n", dtype_name(e.dtype).c_str(),
                dtype_bits(e.dtype), commas(e.context).c_str(), commas(e.batch).c_str());
    std::printf("Step 1 — the formula\n");
    std::printf("  bytes = 2 × %d layers × %d kv heads × %d head_dim × %s tokens × %s batch × %s bytes\n", m.n_layer,
                m.n_kv_heads, m.head_dim, commas(e.cached_tokens).c_str(), commas(e.batch).c_str(),
                e.dtype == DType::int4 ? "0.5" : std::to_string(dtype_bits(e.dtype) / 8).c_str());
    std::printf("        = %s\n", sized(e.kv_cache_bytes).c_str());
    std::printf("  per token (one sequence): %s\n", sized(e.bytes_per_token).c_str());
    if (e.cached_tokens < e.context)
        std::printf("  note: %s has a %s-token sliding window: the cache is a rolling buffer of the last %s "
                    "tokens, so a %s-token context costs no more than %s tokens\n",
                    m.name.c_str(), commas(m.sliding_window).c_str(), commas(m.sliding_window).c_str(),
                    commas(e.context).c_str(), commas(e.cached_tokens).c_str());
    if (e.context > static_cast<std::uint64_t>(m.max_context))
        std::printf("  note: %s tokens is beyond %s's %s-token context: the formula still answers, "
                    "but the model cannot use that context\n",
                    commas(e.context).c_str(), m.name.c_str(), commas(m.max_context).c_str());
}

void print_weights(const Estimate& e) {
    const ModelSpec& m = e.model;
    std::printf("\nStep 3 — the weights beside the cache\n");
    std::printf("  parameters: %s; weights at %s: %s\n", commas(e.parameter_count).c_str(), dtype_name(e.dtype).c_str(),
                sized(e.weights_bytes).c_str());
    if (e.cache_outgrows_weights_at == 0)
        std::printf("  the cache (batch %s) never outgrows the weights: the sliding window caps it at %s\n",
                    commas(e.batch).c_str(), sized(kv_cache_bytes(m, m.sliding_window, e.batch, e.dtype)).c_str());
    else
        std::printf("  the cache (batch %s) outgrows the weights from %s tokens on%s\n", commas(e.batch).c_str(),
                    commas(e.cache_outgrows_weights_at).c_str(),
                    e.cache_outgrows_weights_at > static_cast<std::uint64_t>(m.max_context)
                        ? (" — beyond its " + commas(m.max_context) + "-token context, so never in practice").c_str()
                        : "");
    if (e.memory_gib <= 0) return;
    const MemoryFit& fit = e.fit;
    std::printf("  in %g GiB (%s bytes):", e.memory_gib, commas(fit.budget_bytes).c_str());
    if (!fit.weights_fit) {
        std::printf(" the weights alone do not fit (%s short); no room for a cache\n",
                    human_bytes(e.weights_bytes - fit.budget_bytes).c_str());
        return;
    }
    std::printf(" %s left for the cache after the weights\n", sized(fit.free_bytes).c_str());
    if (fit.unlimited_context)
        std::printf("    longest context at batch %s: any (the %s-token window's cache fits)\n", commas(e.batch).c_str(),
                    commas(m.sliding_window).c_str());
    else
        std::printf("    longest context at batch %s: %s tokens%s\n", commas(e.batch).c_str(),
                    commas(fit.max_context).c_str(),
                    fit.max_context > static_cast<std::uint64_t>(m.max_context)
                        ? (" (more than the model's " + commas(m.max_context) + ")").c_str()
                        : "");
    std::printf("    largest batch at %s tokens: %s sequences\n", commas(e.context).c_str(), commas(fit.max_batch).c_str());
}

void print_variants(const Estimate& e) {
    std::uint64_t mha = 0;
    for (const AttentionVariant& v : e.variants)
        if (v.n_kv_heads == e.model.n_head) mha = v.kv_cache_bytes;
    std::vector<std::vector<std::string>> rows;
    for (const AttentionVariant& v : e.variants)
        rows.push_back({v.label + (v.this_model ? " (" + e.model.name + ")" : ""), std::to_string(v.n_kv_heads),
                        commas(v.kv_cache_bytes), human_bytes(v.kv_cache_bytes),
                        format("%gx", static_cast<double>(mha) / v.kv_cache_bytes)});
    std::printf("\nStep 4 — MHA vs GQA vs MQA (same model, %s cached tokens, batch %s)\n", commas(e.cached_tokens).c_str(),
                commas(e.batch).c_str());
    std::printf("%s", indented(format_table({"attention", "kv heads", "bytes", "size", "MHA / this row"}, rows)).c_str());
}

void print_paged(const Estimate& e) {
    const PagedComparison& c = e.paged;
    std::string shown;
    for (std::uint64_t len : e.requests) shown += (shown.empty() ? "" : ",") + std::to_string(len);
    std::printf("\nStep 5 — paged vs contiguous (%s requests: %s cached tokens%s; one sequence each)\n",
                e.built_in_requests ? "built-in example" : "your", shown.c_str(),
                e.built_in_requests ? ", try --requests" : e.requests_capped ? ", capped by the sliding window" : "");
    auto row = [&](const std::string& name, std::uint64_t tokens, std::uint64_t bytes) {
        return std::vector<std::string>{name, commas(tokens), commas(bytes), human_bytes(bytes),
                                        human_bytes(bytes - c.used_bytes), format("%.1f%%", 100.0 * c.used_bytes / bytes)};
    };
    std::printf("%s", indented(format_table({"layout", "tokens held", "bytes held", "size", "wasted", "real tokens"},
                                            {row("needed (the tokens themselves)", c.used_tokens, c.used_bytes),
                                             row("contiguous, " + commas(e.slot_tokens) + "-token slot each",
                                                 c.contiguous_tokens, c.contiguous_bytes),
                                             row("paged, blocks of " + std::to_string(e.block_size) + " tokens",
                                                 c.paged_tokens, c.paged_bytes)}))
                          .c_str());
    std::printf("  (vLLM's paper, arXiv 2309.06180: earlier servers used only 20.4–38.2%% of their KV memory for "
                "real tokens; its 16-token blocks waste under 4%%)\n");
}

void print_measurement(const Estimate& e) {
    const Measurement& m = *e.measured;
    std::printf("\nStep 6 — measured: chapter 05's KVCache for %s tokens × batch %s (float32)\n", commas(e.context).c_str(),
                commas(e.batch).c_str());
    std::printf("  KVCache::bytes(): %s\n", sized(m.measured_bytes).c_str());
    std::printf("  formula at fp32:  %s  → %s\n", sized(m.formula_fp32_bytes).c_str(),
                m.measured_bytes == m.formula_fp32_bytes ? "equal" : "DIFFERENT (a bug: see README step 6)");
    if (e.dtype != DType::fp32)
        std::printf("  note: the project's cache stores float32, so only fp32 can be measured; at %s the formula "
                    "gives %s\n",
                    dtype_name(e.dtype).c_str(), sized(e.kv_cache_bytes).c_str());
    std::printf("  resident memory: %s before, %s after (+%s; the cache is zero-filled, so its pages are touched)\n",
                human_bytes(m.rss_before_bytes).c_str(), human_bytes(m.rss_after_bytes).c_str(),
                human_bytes(m.rss_after_bytes > m.rss_before_bytes ? m.rss_after_bytes - m.rss_before_bytes : 0).c_str());
}

}  // namespace

void print_estimate(const Estimate& e) {
    print_formula(e);
    print_weights(e);
    print_variants(e);
    print_paged(e);
    if (e.measured) print_measurement(e);
}

Json estimate_json(const Estimate& e) {
    const ModelSpec& m = e.model;
    Json j;
    j["model"] = m.name;
    j["source"] = m.source;
    j["architecture"] = m.architecture == Architecture::Gpt2 ? "gpt2" : "llama";
    j["n_layer"] = m.n_layer;
    j["n_head"] = m.n_head;
    j["n_kv_heads"] = m.n_kv_heads;
    j["head_dim"] = m.head_dim;
    j["d_model"] = m.d_model;
    j["max_context"] = m.max_context;
    j["sliding_window"] = m.sliding_window > 0 ? Json(m.sliding_window) : Json(nullptr);
    j["dtype"] = dtype_name(e.dtype);
    j["bits_per_value"] = dtype_bits(e.dtype);
    j["context"] = e.context;
    j["batch"] = e.batch;
    j["cached_tokens"] = e.cached_tokens;
    j["sliding_window_applied"] = e.cached_tokens < e.context;
    j["beyond_model_window"] = e.context > static_cast<std::uint64_t>(m.max_context);
    j["kv_cache_bytes"] = e.kv_cache_bytes;
    j["kv_cache_mib"] = static_cast<double>(e.kv_cache_bytes) / (1 << 20);
    j["kv_cache_gib"] = static_cast<double>(e.kv_cache_bytes) / (1 << 30);
    j["bytes_per_token"] = e.bytes_per_token;
    j["parameter_count"] = e.parameter_count;
    j["weights_bytes"] = e.weights_bytes;
    j["cache_outgrows_weights_at_tokens"] = e.cache_outgrows_weights_at == 0 ? Json(nullptr) : Json(e.cache_outgrows_weights_at);
    if (e.memory_gib > 0) {
        Json budget = {{"memory_gib", e.memory_gib}, {"budget_bytes", e.fit.budget_bytes}, {"weights_fit", e.fit.weights_fit}};
        if (e.fit.weights_fit) {
            budget["free_bytes"] = e.fit.free_bytes;
            budget["max_context"] = e.fit.unlimited_context ? Json(nullptr) : Json(e.fit.max_context);
            budget["max_context_unlimited"] = e.fit.unlimited_context;
            budget["max_batch"] = e.fit.max_batch;
        }
        j["memory_budget"] = budget;
    }
    j["attention_variants"] = Json::array();
    for (const AttentionVariant& v : e.variants)
        j["attention_variants"].push_back({{"variant", v.label},
                                           {"n_kv_heads", v.n_kv_heads},
                                           {"kv_cache_bytes", v.kv_cache_bytes},
                                           {"this_model", v.this_model}});
    j["paged_vs_contiguous"] = {{"requests", e.requests},
                                {"built_in_example", e.built_in_requests},
                                {"block_size", e.block_size},
                                {"contiguous_slot_tokens", e.slot_tokens},
                                {"used_bytes", e.paged.used_bytes},
                                {"contiguous_bytes", e.paged.contiguous_bytes},
                                {"contiguous_waste_bytes", e.paged.contiguous_waste_bytes()},
                                {"paged_bytes", e.paged.paged_bytes},
                                {"paged_waste_bytes", e.paged.paged_waste_bytes()}};
    if (e.measured) {
        j["measured_bytes"] = e.measured->measured_bytes;
        j["measured_dtype"] = "fp32";
        j["formula_fp32_bytes"] = e.measured->formula_fp32_bytes;
        j["measured_equals_formula"] = e.measured->measured_bytes == e.measured->formula_fp32_bytes;
        j["rss_before_bytes"] = e.measured->rss_before_bytes;
        j["rss_after_bytes"] = e.measured->rss_after_bytes;
    }
    return j;
}

}  // namespace gpt2::ch06
