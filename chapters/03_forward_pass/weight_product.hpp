// weight_product.hpp — Y = W·X for the forward pass's weight matrices (W: (out, in),
// X: (in, T), one token per column), done the way that reads W from memory the fewest times.
//
//   T = 1      BLAS's gemv: each weight read once, used once (a decode step);
//   T = 2…4    a loop of our own: each weight read once, used for all T columns. BLAS's gemm
//              first copies ("packs") W into cache-sized blocks; for a handful of columns that
//              copy costs more than the multiplication — here 2 columns took 2.6× as long as
//              one through gemm, 1.4× through this loop (24 matrices of 3072 × 768);
//   T > 4      BLAS's gemm: from about 5 columns on, its packed, register-blocked kernel wins
//              (a batch of 8 sequences, a prefill).
#pragma once

#include <armadillo>

namespace gpt2 {

void weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y);
// Y (out, T) = Wᵀ·X for W stored (in, out) — the output projection: logits = wteᵀ·h, wte
// (n_embd, vocab). Column o of W is output o's weights, contiguous: for 2…4 columns each is
// read once and dotted with every column of X while it is in cache (BLAS would pack all
// 154 MB of GPT-2 small's wte first); from 5 columns on BLAS's gemm is faster here.
void transposed_weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y);

// The loop for a few columns on its own (tests compare it with BLAS).
void weight_product_few_columns(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y);

}  // namespace gpt2
