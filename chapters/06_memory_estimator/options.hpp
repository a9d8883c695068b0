// options.hpp — chapter 06's flags: which model (a preset, a config.json or a shape), what to
// size (context, batch, dtype), and what else to show (budget, requests, --measure).
#pragma once

#include "06_memory_estimator/memory_estimator.hpp"  // ModelSpec
#include "common/cli.hpp"
#include "common/paths.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gpt2::ch06 {

struct Options {
    std::string preset, config_path, dtype_text = "fp16", requests_text, out_dir = default_output_dir();
    int layers = 0, heads = 0, kv_heads = 0, head_dim = 0, n_embd = 0, vocab_size = 50257, n_positions = 1024;
    long long context = 0, batch = 1, block_size = 16;
    double memory_gib = 0;
    bool json = false, measure = false, force = false, no_plot = false;
};

// Declares every flag on `cli`, filling `o`, with the rule that a model comes from one source.
void add_flags(CliParser& cli, Options& o);
// "100,900,2000" → request lengths; UserError naming --requests otherwise.
std::vector<std::uint64_t> parse_requests(const std::string& text);

// After cli.parse(): whether any flag names one model (a preset, a config or a shape); without
// one the program shows the headline table, and refuse_sizing_without_model() says which
// flag needs a model.
bool one_model_given(const CliParser& cli);
void refuse_sizing_without_model(const CliParser& cli);
// The model described by --layers, --heads, --kv-heads, --head-dim/--n-embd, --vocab-size and
// --n-positions, with GPT-2's architecture; UserError for a missing or impossible shape.
ModelSpec custom_model(const Options& o, const CliParser& cli);

}  // namespace gpt2::ch06
