// show.cpp — chapter 02's printing (see show.hpp).
#include "02_attention/show.hpp"

#include "common/json_out.hpp"
#include "common/report.hpp"

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

// The head's weights as the heatmap's CSV: a header row of keys, then one row per query.
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

}  // namespace gpt2::ch02
