// headline.hpp — chapter 06's no-flags view: every preset at a few contexts, and a plot.
#pragma once

#include "06_memory_estimator/memory_estimator.hpp"

#include <string>

namespace gpt2::ch06 {

// Prints the table (or, with json, one JSON object) and, unless no_plot, writes
// out_dir/ch06_kv_cache_vs_context.png with gnuplot and prints its path. Returns 0.
int run_headline(DType dtype, bool json, bool no_plot, const std::string& out_dir, bool force);

}  // namespace gpt2::ch06
