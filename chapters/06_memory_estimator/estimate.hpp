// estimate.hpp — chapter 06's one result for one model: every number the steps compute, held
// once, then shown as the text report or as JSON (estimate_report.cpp).
#pragma once

#include "06_memory_estimator/memory_estimator.hpp"
#include "common/json_out.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gpt2::ch06 {

struct AttentionVariant {
    std::string label;  // "MHA (kv heads = heads)", "GQA", "MQA (1 kv head)"
    int n_kv_heads = 0;
    std::uint64_t kv_cache_bytes = 0;
    bool this_model = false;
};

struct Measurement {  // step 6: chapter 05's real KVCache, float32
    std::uint64_t measured_bytes = 0, formula_fp32_bytes = 0, rss_before_bytes = 0, rss_after_bytes = 0;
};

struct Estimate {
    ModelSpec model;
    DType dtype = DType::fp16;
    std::uint64_t context = 0, batch = 1;
    // 1. the formula
    std::uint64_t cached_tokens = 0, kv_cache_bytes = 0, bytes_per_token = 0;
    // 3. the weights beside it, and a memory budget (memory_gib > 0)
    std::uint64_t parameter_count = 0, weights_bytes = 0;
    std::uint64_t cache_outgrows_weights_at = 0;  // 0: never (a sliding window caps the cache)
    double memory_gib = 0;
    MemoryFit fit;
    // 4. MHA vs GQA vs MQA
    std::vector<AttentionVariant> variants;
    // 5. paged vs contiguous
    std::vector<std::uint64_t> requests;  // cached tokens of each request
    bool built_in_requests = false, requests_capped = false;
    std::uint64_t block_size = 16, slot_tokens = 0;
    PagedComparison paged;
    // 6. measured (with --measure)
    std::optional<Measurement> measured;
};

void print_estimate(const Estimate& e);   // the report, step by step
Json estimate_json(const Estimate& e);    // the same numbers as one object

}  // namespace gpt2::ch06
