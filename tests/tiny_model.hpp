// tiny_model.hpp — a GPT-2 with toy shapes built directly in memory, for tests that must not
// depend on the loader (chapters 02–03 checks of the model code itself).
#pragma once

#include "03_forward_pass/gpt2_weights.hpp"

#include <armadillo>

namespace gpt2_test {

// n_layer 2, n_head 2, n_embd 8, n_positions 16, vocab 24 unless told otherwise; weights
// drawn from N(0, 0.2²) with a fixed seed, LayerNorm gains near 1 — big enough that a wrong
// step shows in the logits, small enough that nothing saturates.
inline gpt2::Gpt2Weights tiny_weights(int n_layer = 2, int n_head = 2, int n_embd = 8, int n_positions = 16,
                                      int vocab = 24, unsigned seed = 7) {
    arma::arma_rng::set_seed(seed);
    gpt2::Gpt2Weights w;
    gpt2::Gpt2Config& c = w.config;
    c.n_layer = n_layer;
    c.n_head = n_head;
    c.n_embd = n_embd;
    c.n_positions = n_positions;
    c.vocab_size = vocab;
    const arma::uword n = n_embd;
    auto randn = [](arma::uword r, arma::uword k) { return arma::fmat(0.2f * arma::randn<arma::fmat>(r, k)); };
    auto randv = [](arma::uword r, float mean) { return arma::fvec(mean + 0.1f * arma::randn<arma::fvec>(r)); };
    w.wte = randn(n, vocab);
    w.wpe = randn(n, n_positions);
    for (int l = 0; l < n_layer; ++l) {
        gpt2::LayerWeights L;
        L.ln_1_weight = randv(n, 1.0f);
        L.ln_1_bias = randv(n, 0.0f);
        L.attn_qkv_weight = randn(3 * n, n);
        L.attn_qkv_bias = randv(3 * n, 0.0f);
        L.attn_proj_weight = randn(n, n);
        L.attn_proj_bias = randv(n, 0.0f);
        L.ln_2_weight = randv(n, 1.0f);
        L.ln_2_bias = randv(n, 0.0f);
        L.mlp_fc_weight = randn(4 * n, n);
        L.mlp_fc_bias = randv(4 * n, 0.0f);
        L.mlp_proj_weight = randn(n, 4 * n);
        L.mlp_proj_bias = randv(n, 0.0f);
        w.layers.push_back(L);
    }
    w.ln_f_weight = randv(n, 1.0f);
    w.ln_f_bias = randv(n, 0.0f);
    w.source = "tests/tiny_model.hpp";
    return w;
}

inline float max_abs_diff(const arma::fmat& a, const arma::fmat& b) {
    if (a.n_rows != b.n_rows || a.n_cols != b.n_cols) return arma::datum::inf;
    return a.n_elem ? arma::abs(a - b).max() : 0.0f;
}

}  // namespace gpt2_test
