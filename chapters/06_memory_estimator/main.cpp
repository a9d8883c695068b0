// Chapter 06 — how much memory does the KV cache take? An estimator, checked against the real one.
//
// Chapter 05 made decoding fast by keeping every past token's keys and values. This chapter
// predicts what that costs for any model — GPT-2, GPT-3, Llama, Mistral or your own — from
// one formula (chapters/06_memory_estimator/memory_estimator.hpp), compares it with the weights, shows what
// grouped-query attention, sliding windows and paged blocks save, and checks the formula
// against the bytes chapter 05's KVCache really allocates.
//
//   make chapter06
//   ./chapter06                                   headline table + plot (every preset, fp16)
//   ./chapter06 --preset llama-2-70b --context 4096 --dtype fp16
//   ./chapter06 --preset gpt2 --context 1024 --measure      formula vs a real allocation
//   ./chapter06 --config path/to/config.json --memory-gib 24 --json
//
// Lesson: chapters/06_memory_estimator/README.md (the steps below are its steps).
#include "03_forward_pass/gpt2_config.hpp"
#include "05_cached_decode/kv_cache.hpp"  // KVCache, measured in step 6 (chapter 05)
#include "06_memory_estimator/estimate.hpp"
#include "06_memory_estimator/headline.hpp"
#include "06_memory_estimator/memory_estimator.hpp"
#include "06_memory_estimator/options.hpp"  // the flags
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "common/json_out.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using gpt2::DType;
using gpt2::ModelSpec;
using gpt2::UserError;
using gpt2::ch06::Estimate;

namespace {

// The requests of the paged-vs-contiguous comparison when --requests is not given.
const std::vector<std::uint64_t> kExampleRequests = {17, 100, 250, 517, 900, 1000};

// --- 1. The formula, for this model ---
void estimate_formula(Estimate& e) {
    e.cached_tokens = gpt2::cached_tokens(e.model, e.context);  // a sliding window keeps at most its width
    e.kv_cache_bytes = gpt2::kv_cache_bytes(e.model, e.cached_tokens, e.batch, e.dtype);
    e.bytes_per_token = gpt2::kv_bytes_per_token(e.model, e.dtype);
}

// --- 2. Which model: a preset, a config.json or the shape from the flags ---
ModelSpec choose_model(const gpt2::ch06::Options& o, const gpt2::CliParser& cli) {
    // A mix of sources never gets here: the parser's excludes rules (add_flags, options.cpp) refuse it.
    if (cli.given("--preset")) return gpt2::find_preset(o.preset);
    if (cli.given("--config")) return gpt2::load_model_config(o.config_path);
    return gpt2::ch06::custom_model(o, cli);  // the shape from --layers, --heads, …, GPT-2's architecture
}

// --- 3. Weights beside the cache, and what fits in a memory budget ---
void estimate_weights(Estimate& e, double memory_gib) {
    e.parameter_count = gpt2::parameter_count(e.model);
    e.weights_bytes = gpt2::weights_bytes(e.model, e.dtype);
    e.cache_outgrows_weights_at = gpt2::context_where_cache_outgrows_weights(e.model, e.batch, e.dtype);
    e.memory_gib = memory_gib;
    if (memory_gib > 0)
        e.fit = gpt2::fit_in_memory(e.model, e.dtype, static_cast<std::uint64_t>(std::floor(memory_gib * 1073741824.0)),
                                    e.context, e.batch);
}

// --- 4. MHA vs GQA vs MQA: the same model with kv_heads = heads, its own, and 1 ---
void estimate_attention_variants(Estimate& e) {
    std::vector<std::pair<std::string, int>> variants = {{"MHA (kv heads = heads)", e.model.n_head}};
    if (e.model.n_kv_heads != e.model.n_head && e.model.n_kv_heads != 1) variants.push_back({"GQA", e.model.n_kv_heads});
    variants.push_back({"MQA (1 kv head)", 1});
    for (const auto& [label, kv] : variants) {
        ModelSpec v = e.model;
        v.n_kv_heads = kv;
        e.variants.push_back({label, kv, gpt2::kv_cache_bytes(v, e.cached_tokens, e.batch, e.dtype), kv == e.model.n_kv_heads});
    }
}

// --- 5. Paged vs contiguous: what a server holds for requests of different lengths ---
void estimate_paged(Estimate& e, const std::string& requests_text, std::uint64_t block_size) {
    e.built_in_requests = requests_text.empty();
    e.requests = e.built_in_requests ? kExampleRequests : gpt2::ch06::parse_requests(requests_text);
    e.slot_tokens = gpt2::cached_tokens(e.model, e.context);
    for (std::uint64_t& len : e.requests) {
        if (e.built_in_requests) {  // the built-in example must fit any model's slot
            len = std::min(len, e.slot_tokens);
            continue;
        }
        e.requests_capped = e.requests_capped || gpt2::cached_tokens(e.model, len) < len;
        len = gpt2::cached_tokens(e.model, len);  // a sliding window keeps at most its width
    }
    e.block_size = block_size;
    e.paged = gpt2::compare_paged(e.requests, e.slot_tokens, block_size, e.bytes_per_token);
}

// --- 6. Measure: build chapter 05's real KVCache and count the bytes it holds ---
void measure_real_cache(Estimate& e) {
    const ModelSpec& m = e.model;
    const std::uint64_t context = e.context, batch = e.batch;
    // Chapter 05's KVCache is sized from a Gpt2Config: only a GPT-2-family shape has one.
    const gpt2::Gpt2Config config = gpt2::gpt2_config(m, "--measure (this project's GPT-2 KVCache)");
    if (context > static_cast<std::uint64_t>(m.max_context))
        throw UserError("--measure: --context " + std::to_string(context) + " is beyond " + m.name + "'s " +
                        std::to_string(m.max_context) + "-token window (learned positions stop there); "
                        "ask for at most " + std::to_string(m.max_context));
    const std::uint64_t formula_fp32 = gpt2::kv_cache_bytes(m, context, batch, DType::fp32);
    if (formula_fp32 > (2ULL << 30))
        throw UserError("--measure would allocate " + gpt2::human_bytes(formula_fp32) +
                        "; it is limited to 2 GiB here — lower --context or --batch (the formula alone needs no memory)");
    // [listing:ch06_measure]
    const std::uint64_t rss_before = gpt2::current_rss_bytes();
    std::vector<std::unique_ptr<gpt2::KVCache>> caches;  // one per sequence of the batch
    std::uint64_t measured = 0;
    for (std::uint64_t b = 0; b < batch; ++b) {
        caches.push_back(std::make_unique<gpt2::KVCache>(config, static_cast<int>(context)));
        measured += caches.back()->bytes();
    }
    const std::uint64_t rss_after = gpt2::current_rss_bytes();
    // [/listing]
    e.measured = gpt2::ch06::Measurement{measured, formula_fp32, rss_before, rss_after};
}

// The one-model report: steps 1, 3, 4, 5 and (with --measure) 6, computed once, then shown.
int run_one_model(const gpt2::ch06::Options& o, const gpt2::CliParser& cli, DType dtype) {
    Estimate e;
    e.model = choose_model(o, cli);
    e.dtype = o.measure && !cli.given("--dtype") ? DType::fp32 : dtype;  // fp32: what the real cache stores
    e.context = cli.given("--context") ? o.context : e.model.max_context;
    e.batch = o.batch;
    estimate_formula(e);
    estimate_weights(e, o.memory_gib);
    estimate_attention_variants(e);
    estimate_paged(e, o.requests_text, o.block_size);
    if (o.measure) measure_real_cache(e);
    // Shown only once every step has succeeded: bad input leaves stdout empty, not half a report.
    if (o.json) gpt2::print_json(gpt2::ch06::estimate_json(e), 2);
    else gpt2::ch06::print_estimate(e);
    return 0;
}

int body(int argc, char** argv) {
    gpt2::ch06::Options o;
    gpt2::CliParser cli("chapter06", "Predict the KV cache's memory for any model; check it against a real one.");
    gpt2::ch06::add_flags(cli, o);
    if (!cli.parse(argc, argv)) return 0;
    const DType dtype = gpt2::parse_dtype(o.dtype_text, "--dtype");

    if (gpt2::ch06::one_model_given(cli)) return run_one_model(o, cli, dtype);
    gpt2::ch06::refuse_sizing_without_model(cli);  // --context, --batch, … size one model
    // --- 7. The headline: every preset at 1k, 4k, 32k, 128k, and a plot ---
    return gpt2::ch06::run_headline(dtype, o.json, o.no_plot, o.out_dir, o.force);
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter06", argc, argv, body); }
