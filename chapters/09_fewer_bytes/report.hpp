// report.hpp — what chapter 09 prints: a run's summary, and the --compare table (or JSON).
#pragma once

#include "04_naive_decode/generate.hpp"
#include "09_fewer_bytes/compare.hpp"
#include "09_fewer_bytes/format_model.hpp"
#include "common/json_out.hpp"

#include <vector>

namespace chapter09 {

struct RunMemory {
    std::uint64_t weights_bytes = 0, cache_bytes = 0, cache_bytes_per_token = 0, peak_rss_bytes = 0;
};

void print_summary(const gpt2::Generation& run, gpt2::DType weights, gpt2::DType kv, const RunMemory& memory);
gpt2::Json memory_json(const RunMemory& memory);
void print_comparisons(const std::vector<gpt2::FormatComparison>& results);
gpt2::Json comparisons_json(const std::vector<gpt2::FormatComparison>& results);

}  // namespace chapter09
