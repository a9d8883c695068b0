// weight_product.hpp — Y = W·X for the forward pass's weight matrices (W: (out, in),
// X: (in, T), one token per column), done the way that reads W from memory the fewest times.
//
//   T = 1      BLAS's gemv: each weight read once, used once (a decode step);
//   T = 2…32   a blocked loop of our own: each weight read from memory once and used for all
//              T columns from registers. BLAS's gemm first copies ("packs") all of W into
//              cache-sized blocks and then multiplies; for a few columns that copy is most of
//              the work. `./chapter07 --bench` times both on GPT-2 small's 48 weight
//              matrices ("one step's 48 weight products"): here 8 columns took 22 ms through
//              this loop and 35 ms through gemm, 32 columns 42 against 48;
//   T > 32     BLAS's gemm: over many columns its copy pays for itself (a long prefill).
#pragma once

#include <armadillo>

namespace gpt2 {

void weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y);
// Y (out, T) = Wᵀ·X for W stored (in, out) — the output projection: logits = wteᵀ·h, wte
// (n_embd, vocab). Column o of W is output o's weights, contiguous: for 2…8 columns each is
// read once and dotted with every column of X while it is in cache (BLAS would pack all
// 154 MB of GPT-2 small's wte first); from 9 columns on, BLAS's gemm, whose copy of wte pays
// for itself over that many columns.
void transposed_weight_product(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y);

// The blocked loop on its own, for any T (tests compare it with BLAS).
void weight_product_few_columns(const arma::fmat& W, const arma::fmat& X, arma::fmat& Y);

}  // namespace gpt2
