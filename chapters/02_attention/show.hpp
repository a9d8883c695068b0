// show.hpp — how chapter 02 prints its matrices and writes the heatmap's numbers.
#pragma once

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

}  // namespace gpt2::ch02
