// show.hpp — how chapter 02 prints its matrices and writes the heatmap's numbers.
#pragma once

#include "02_attention/attention.hpp"  // HeadHabits

#include <armadillo>

#include <string>
#include <vector>

namespace gpt2::ch02 {

// Attention weights or scores, stored (keys, queries), printed with one row per query:
// row i reads "what token i looks at".
void print_by_query(const char* title, const arma::fmat& m, const std::vector<std::string>& labels);
// A (d, T) matrix with one column per token.
void print_by_token(const char* title, const arma::fmat& m, const std::vector<std::string>& labels);
// What a measured difference means (float32 rounding is ~1e-7 relative).
const char* verdict(float difference);
// One head's weights (T keys, T queries) as the heatmap's CSV: a header row of keys, then one
// row per query (its token first).
std::string heatmap_csv(const arma::fmat& weights, const std::vector<std::string>& labels);

// Step 9's table: the strongest previous-token heads (rows sorted, strongest first), and the
// mean weight on the first token against what uniform attention would give.
struct LayerHeadHabits {
    int layer = 0, head = 0;
    HeadHabits habits;
};
void print_head_habits(const std::vector<LayerHeadHabits>& by_previous, std::size_t tokens);

}  // namespace gpt2::ch02
