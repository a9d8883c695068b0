// headline.cpp — step 7 of chapter 06: the table every preset fills in, and the plot.
#include "06_memory_estimator/headline.hpp"

#include "common/paths.hpp"
#include "common/report.hpp"

#include "common/json_out.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace gpt2::ch06 {

namespace {

const std::vector<std::uint64_t> kContexts = {1024, 4096, 32768, 131072};
// The models drawn in the plot: one per family and size class, so the lines stay readable.
const std::vector<std::string> kPlotted = {"gpt2", "gpt2-xl", "gpt3-175b", "llama-2-7b",
                                           "llama-2-70b", "llama-3-8b", "mistral-7b"};

std::string context_label(std::uint64_t tokens) { return std::to_string(tokens / 1024) + "k"; }

// The plot's numbers: one row per context (powers of two from 256), one column per plotted
// model, in GiB; a cell is empty past the model's window. Also returns which columns to dash.
std::string plot_csv(DType dtype, std::string& dashed_columns) {
    std::string csv = "context";
    std::uint64_t longest = 0;
    dashed_columns = " ";
    for (std::size_t i = 0; i < kPlotted.size(); ++i) {
        const ModelSpec& m = find_preset(kPlotted[i]);
        csv += "," + m.name + (m.sliding_window > 0 ? " (window " + std::to_string(m.sliding_window) + ")" : "");
        if (m.sliding_window > 0) dashed_columns += std::to_string(i + 2) + " ";
        longest = std::max<std::uint64_t>(longest, m.max_context);
    }
    csv += "\n";
    for (std::uint64_t t = 256; t <= longest; t *= 2) {
        csv += std::to_string(t);
        for (const std::string& name : kPlotted) {
            const ModelSpec& m = find_preset(name);
            csv += ",";
            if (t <= static_cast<std::uint64_t>(m.max_context))
                csv += format("%.9g", kv_cache_bytes(m, cached_tokens(m, t), 1, dtype) / 1073741824.0);
        }
        csv += "\n";
    }
    return csv;
}

}  // namespace

// [listing:ch06_headline_table]
int run_headline(DType dtype, bool json, bool no_plot, const std::string& out_dir, bool force) {
    std::vector<std::string> header = {"model", "layers", "kv heads", "head dim", "per token"};
    for (std::uint64_t t : kContexts) header.push_back(context_label(t));
    header.push_back("weights");
    std::vector<std::vector<std::string>> rows;
    Json models = Json::array();
    bool windowed = false;
    for (const ModelSpec& m : model_presets()) {
        std::vector<std::string> row = {m.name, std::to_string(m.n_layer), std::to_string(m.n_kv_heads),
                                        std::to_string(m.head_dim), human_bytes(kv_bytes_per_token(m, dtype))};
        Json sizes = Json::object();
        for (std::uint64_t t : kContexts) {
            if (t > static_cast<std::uint64_t>(m.max_context)) {  // the model cannot read that far
                row.push_back("-");
                sizes[std::to_string(t)] = nullptr;
                continue;
            }
            const std::uint64_t tokens = cached_tokens(m, t), bytes = kv_cache_bytes(m, tokens, 1, dtype);
            row.push_back(human_bytes(bytes) + (tokens < t ? "*" : ""));
            windowed = windowed || tokens < t;
            sizes[std::to_string(t)] = bytes;
        }
        row.push_back(human_bytes(weights_bytes(m, dtype)));
        rows.push_back(row);
        models.push_back({{"model", m.name},
                          {"bytes_per_token", kv_bytes_per_token(m, dtype)},
                          {"max_context", m.max_context},
                          {"kv_cache_bytes", sizes},
                          {"weights_bytes", weights_bytes(m, dtype)}});
    }
    // [/listing]
    std::string picture;
    if (!no_plot) {
        const std::string csv_path = out_dir + "/ch06_kv_cache_vs_context.csv";
        std::string dashed;
        write_output_file(csv_path, plot_csv(dtype, dashed), force);
        OutputFile file(out_dir + "/ch06_kv_cache_vs_context.png", force);
        if (run_gnuplot_file("chapters/06_memory_estimator/kv_cache_vs_context.gp",
                             {{"csv", csv_path},
                              {"out", file.temp_path()},
                              {"dtype", dtype_name(dtype)},
                              {"models", std::to_string(kPlotted.size())},
                              {"dashed", dashed}},
                             file))
            picture = shown_path(file.path());
    }
    if (json) {
        Json out = {{"dtype", dtype_name(dtype)}, {"batch", 1}, {"contexts", kContexts}, {"models", models}};
        out["plot"] = picture.empty() ? Json(nullptr) : Json(picture);
        print_json(out, 2);
        return 0;
    }
    std::printf("KV cache per sequence (batch 1), %s, at each context length — MiB = 2^20 bytes, GiB = 2^30 bytes\n\n",
                dtype_name(dtype).c_str());
    std::printf("%s", format_table(header, rows).c_str());
    std::printf("\n-  beyond the model's context window\n");
    if (windowed) std::printf("*  capped by the model's sliding window (mistral-7b keeps the last 4,096 tokens)\n");
    std::printf("weights: every parameter at the same dtype. One model in detail: ./chapter06 --preset NAME\n");
    if (!picture.empty()) std::printf("plot: %s\n", picture.c_str());
    return 0;
}

}  // namespace gpt2::ch06
