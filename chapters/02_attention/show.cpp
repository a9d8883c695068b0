// show.cpp — chapter 02's printing (see show.hpp).
#include "02_attention/show.hpp"

#include "common/json_out.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gpt2::ch02 {

namespace {

// A token as a CSV header cell: quoted, with the characters CSV and gnuplot treat specially
// (quotes, control characters) replaced, so the picture's labels stay one line each.
std::string csv_label(const std::string& text) {
    std::string out = "\"";
    for (char c : text) out += c == '"' ? '\'' : static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    return out + "\"";
}

// Weights (T keys, T queries) as JSON: one row per query, one number per key.
Json rows_by_query(const arma::fmat& weights) {
    Json rows = Json::array();
    for (arma::uword q = 0; q < weights.n_cols; ++q)
        rows.push_back(std::vector<float>(weights.colptr(q), weights.colptr(q) + weights.n_rows));
    return rows;
}

}  // namespace

// Prints attention weights or scores, stored (keys, queries), as rows = queries, columns = keys:
// row i reads "what token i looks at".
void print_by_query(const char* title, const arma::fmat& m, const std::vector<std::string>& labels) {
    std::printf("%s\n", title);
    std::vector<std::string> header = {"query \\ key"};
    for (arma::uword k = 0; k < m.n_rows; ++k) header.push_back(json_dump(Json(labels[k])));
    std::vector<std::vector<std::string>> rows;
    for (arma::uword q = 0; q < m.n_cols; ++q) {
        std::vector<std::string> row = {json_dump(Json(labels[q + (m.n_rows - m.n_cols)]))};
        for (arma::uword k = 0; k < m.n_rows; ++k)
            row.push_back(std::isinf(m(k, q)) ? std::string("-inf") : format("%.3f", m(k, q)));
        rows.push_back(row);
    }
    std::fputs(format_table(header, rows).c_str(), stdout);
    std::printf("\n");
}

// Prints a (d, T) matrix with one column per token.
void print_by_token(const char* title, const arma::fmat& m, const std::vector<std::string>& labels) {
    std::printf("%s\n", title);
    std::vector<std::string> header = {"row"};
    for (arma::uword t = 0; t < m.n_cols; ++t) header.push_back(json_dump(Json(labels[t])));
    std::vector<std::vector<std::string>> rows;
    for (arma::uword r = 0; r < m.n_rows; ++r) {
        std::vector<std::string> row = {std::to_string(r)};
        for (arma::uword t = 0; t < m.n_cols; ++t) row.push_back(format("%.3f", m(r, t)));
        rows.push_back(row);
    }
    std::fputs(format_table(header, rows).c_str(), stdout);
    std::printf("\n");
}

// What a measured difference means (float32 rounding is ~1e-7 relative).
const char* verdict(float difference) {
    return difference == 0.0f ? "identical" : difference < 1e-5f ? "equal up to float rounding" : "DIFFERENT: a bug";
}

std::string heatmap_csv(const arma::fmat& weights, const std::vector<std::string>& labels) {  // weights: (T, T)
    std::string csv;
    for (const std::string& label : labels) csv += "," + csv_label(label);
    csv += "\n";
    for (arma::uword q = 0; q < weights.n_cols; ++q) {
        csv += csv_label(labels[q]);
        for (arma::uword k = 0; k < weights.n_rows; ++k) csv += format(",%.5f", weights(k, q));
        csv += "\n";
    }
    return csv;
}

void print_head_habits(const std::vector<LayerHeadHabits>& by_previous, std::size_t tokens) {
    if (by_previous.empty()) return;
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < by_previous.size() && i < 5; ++i)
        rows.push_back({format("layer %d head %d", by_previous[i].layer, by_previous[i].head),
                        format("%.2f", by_previous[i].habits.previous_token),
                        format("%.2f", by_previous[i].habits.first_token)});
    std::printf("\nwhere each head's attention goes, averaged over the %zu queries after the first\n"
                "(a previous-token head puts most of it on the token just before; the first token is where\n"
                "trained heads rest attention they do not need, an \"attention sink\"):\n%s",
                tokens - 1, format_table({"strongest previous-token heads", "previous token", "first token"}, rows).c_str());
    double first_sum = 0, uniform = 0;
    for (const LayerHeadHabits& h : by_previous) first_sum += h.habits.first_token;
    for (std::size_t q = 1; q < tokens; ++q) uniform += 1.0 / (q + 1);  // query q spreads 1/(q+1) per key
    std::printf("mean weight on the first token over all %zu heads: %.2f (uniform attention would give %.2f)\n",
                by_previous.size(), first_sum / by_previous.size(), uniform / (tokens - 1));
}

void print_walkthrough_step1(const std::vector<std::string>& words, const arma::fmat& Q, const arma::fmat& K,
                             const arma::fmat& V) {
    std::printf("A hand-made example: 5 tokens, d = 4 (rows: noun, verb, preposition, determiner)\n\n");
    std::printf("== Step 1: queries, keys, values ==\n");
    print_by_token("K (4, 5): what each token is", K, words);
    print_by_token("Q (4, 5): what each token looks for", Q, words);
    print_by_token("V (4, 5): what each token passes on", V, words);
}

void print_walkthrough_step2(const std::vector<std::string>& words, const arma::fmat& scores) {
    std::printf("== Step 2: scores = K^T Q / sqrt(d) ==\n");
    print_by_query("scores (printed with one row per query)", scores, words);
}

void print_walkthrough_step3(const std::vector<std::string>& words, const arma::fmat& masked) {
    std::printf("== Step 3: the causal mask (a query may not look at later tokens) ==\n");
    print_by_query("masked scores", masked, words);
}

void print_walkthrough_step4(const std::vector<std::string>& words, const arma::fmat& weights) {
    std::printf("== Step 4: softmax of each query's scores ==\n");
    print_by_query("attention weights (each row sums to 1)", weights, words);
}

void print_walkthrough_step5(const std::vector<std::string>& words, const arma::fmat& out) {
    std::printf("== Step 5: output = V . weights ==\n");
    print_by_token("output (4, 5): each column mixes the value columns by that query's weights", out, words);
}

void print_walkthrough_step6(const std::vector<std::string>& words, const arma::fmat& head0_weights,
                             const arma::fmat& head1_weights, const arma::fmat& merged) {
    std::printf("== Step 6: two heads of 2 dims each: split, attend, merge ==\n");
    print_by_query("head 0 (rows noun, verb) weights", head0_weights, words);
    print_by_query("head 1 (rows preposition, determiner) weights", head1_weights, words);
    print_by_token("merged output (4, 5): head 0's 2 rows, then head 1's", merged, words);
}

void print_walkthrough_step7(const std::vector<std::string>& words, const arma::fmat& out4, float earlier_change,
                             const arma::fmat& new_weights, const arma::fmat& new_column, float new_difference) {
    std::printf("== Step 7: append a token — what changes? ==\n");
    print_by_token("output over \"The cat sat on\" (4 tokens)", out4, words);
    std::printf("output over all 5 tokens, first 4 columns: max |change| = %g  (%s)\n", earlier_change,
                verdict(earlier_change));
    print_by_query("the new token alone: its query against all 5 keys", new_weights, words);
    print_by_token("its output column", new_column, {words.back()});
    std::printf("compared with column 5 of the full computation: max |difference| = %g  (%s)\n", new_difference,
                verdict(new_difference));
    std::printf("work: the full recomputation scores 5 x 5 = 25 query-key pairs; the new token alone 5.\n");
    std::printf("So keep K and V of earlier tokens (the KV cache) and compute only the new token's q, k, v.\n\n");
    std::printf("Next: a real model's heads — ./chapter02 --prompt \"...\" --layer L --head H\n");
}

void print_walkthrough_json(const std::vector<std::string>& words, const arma::fmat& weights, float earlier_change,
                            float new_difference) {
    print_json({{"tokens", words},
                {"weights", rows_by_query(weights)},
                {"kv_cache_property", {{"earlier_rows_max_change", earlier_change},
                                       {"new_row_max_difference", new_difference}}}});
}

std::vector<std::string> token_labels(const std::vector<int>& ids, const std::optional<Tokenizer>& tokenizer) {
    std::vector<std::string> labels;
    for (int id : ids)
        labels.push_back(tokenizer && id < tokenizer->vocab_size() ? tokenizer->decode({id}) : "<" + std::to_string(id) + ">");
    return labels;
}

Heatmap write_heatmap(const arma::fmat& weights, const std::vector<std::string>& labels, int layer, int head,
                      bool random_weights, const std::string& out_dir, bool force) {
    const std::string dir = out_dir.empty() ? default_output_dir() : out_dir;
    const std::string name = format("ch02_attention_layer%d_head%d", layer, head);
    Heatmap heatmap;
    heatmap.csv_path = dir + "/" + name + ".csv";
    heatmap.svg_path = dir + "/" + name + ".svg";
    write_output_file(heatmap.csv_path, heatmap_csv(weights, labels), force);
    OutputFile picture(heatmap.svg_path, force);
    const std::string title = format("GPT-2 attention weights, layer %d head %d%s", layer, head,
                                     random_weights ? " (random weights)" : "");
    heatmap.drawn = run_gnuplot_file("chapters/02_attention/heatmap.gp",
                                     {{"csv", heatmap.csv_path},
                                      {"out", picture.temp_path()},
                                      {"title", title},
                                      {"tokens", std::to_string(labels.size())}},
                                     picture);
    return heatmap;
}

void print_real_model_report(const std::string& model, const Gpt2Config& c, int layer, int head,
                             const std::vector<std::string>& labels, const arma::fmat& weights,
                             float max_difference_from_model, const Heatmap& heatmap,
                             const std::vector<LayerHeadHabits>& by_previous) {
    std::printf("model: %s — layer %d of %d, head %d of %d (head_dim %d)\n", shown_path(model).c_str(), layer, c.n_layer,
                head, c.n_head, c.head_dim());
    std::printf("prompt: %zu tokens\n\n", labels.size());
    const arma::uword shown = std::min<arma::uword>(weights.n_cols, 16);
    print_by_query(shown < weights.n_cols ? "attention weights (first 16 tokens; the heatmap has all)" : "attention weights",
                   weights.submat(0, 0, shown - 1, shown - 1), labels);
    std::printf("recomputed with this chapter's attend() from the model's q, k, v: max |difference| from the\n"
                "model's own attention output = %g\n", max_difference_from_model);
    if (heatmap.drawn) std::printf("heatmap: %s (its numbers: %s)\n", shown_path(heatmap.svg_path).c_str(),
                                   shown_path(heatmap.csv_path).c_str());
    print_head_habits(by_previous, labels.size());
}

void print_real_model_json(const std::string& model, int layer, int head, const std::vector<int>& ids,
                           const std::vector<std::string>& labels, const arma::fmat& weights,
                           float max_difference_from_model, const Heatmap& heatmap,
                           const std::vector<LayerHeadHabits>& by_previous) {
    Json heads = Json::array();  // every head, strongest previous-token head first
    for (const LayerHeadHabits& h : by_previous)
        heads.push_back({{"layer", h.layer}, {"head", h.head}, {"previous_token", h.habits.previous_token},
                         {"first_token", h.habits.first_token}});
    print_json({{"model", model},
                {"layer", layer},
                {"head", head},
                {"prompt_ids", ids},
                {"tokens", labels},
                {"weights", rows_by_query(weights)},
                {"max_difference_from_model", max_difference_from_model},
                {"heatmap", heatmap.drawn ? Json(shown_path(heatmap.svg_path)) : Json(nullptr)},
                {"heads", heads}});
}

}  // namespace gpt2::ch02
