// bf16_weights.hpp — GPT-2 with every big matrix in bfloat16 (chapter 09, README step 3).
//
// The four matrices of every block and the token embeddings (which are also the output
// projection) are 99.4% of GPT-2 small's 124M parameters: kept in bfloat16 they take 248 MB
// instead of 497. Everything small stays float32: the position embeddings (one column read per
// token), the biases and the LayerNorms. The same names as chapter 03's Gpt2Weights, so
// chapter 03's block pieces run on either (forward.hpp: they are templates over the weights).
#pragma once

#include "03_forward_pass/gpt2_weights.hpp"   // Gpt2Config, load_gpt2_streaming (chapter 03)
#include "09_fewer_bytes/bf16_matmul.hpp"
#include "09_fewer_bytes/number_formats.hpp"  // from_bf16

#include <armadillo>
#include <cstdint>
#include <string>
#include <vector>

namespace gpt2 {

struct Bf16LayerWeights {
    arma::fvec ln_1_weight, ln_1_bias;   // (n_embd)
    Bf16Matrix attn_qkv_weight;          // (3·n_embd, n_embd)
    arma::fvec attn_qkv_bias;            // (3·n_embd)
    Bf16Matrix attn_proj_weight;         // (n_embd, n_embd)
    arma::fvec attn_proj_bias;           // (n_embd)
    arma::fvec ln_2_weight, ln_2_bias;   // (n_embd)
    Bf16Matrix mlp_fc_weight;            // (4·n_embd, n_embd)
    arma::fvec mlp_fc_bias;              // (4·n_embd)
    Bf16Matrix mlp_proj_weight;          // (n_embd, 4·n_embd)
    arma::fvec mlp_proj_bias;            // (n_embd)
};

struct Bf16Weights {
    Gpt2Config config;
    Bf16Matrix wte;                      // (vocab, n_embd): row t = token t's embedding
    arma::fmat wpe;                      // (n_embd, n_positions), float32
    std::vector<Bf16LayerWeights> layers;
    arma::fvec ln_f_weight, ln_f_bias;   // (n_embd)
    Bf16Matrix lm_head;                  // (vocab, n_embd); empty when tied to wte (GPT-2's case)
    std::string source;
    bool is_random = false;

    // The output projection: logits = output_rows() · h.
    const Bf16Matrix& output_rows() const { return lm_head.n_rows() ? lm_head : wte; }
    std::uint64_t bytes() const;  // every weight held, bf16 and float32
};

// Chapter 03's three weight operations, for bfloat16 (forward.hpp's block pieces find them by
// the argument types):
// y (out, T) = W·x + bias, W in bfloat16 (bf16_matmul.hpp), accumulated in float32.
inline void linear(const Bf16Matrix& W, const arma::fmat& x, const arma::fvec& bias, arma::fmat& y) {
    matmul_bf16(W, x, y);
    y.each_col() += bias;
}
// out (n_embd) = token id's embedding: row id of wte, widened to float32.
inline void token_embedding(const Bf16Weights& w, int id, float* out) {
    const std::uint16_t* row = w.wte.row(id);
    for (int i = 0; i < w.wte.n_cols(); ++i) out[i] = from_bf16(row[i]);
}
// logits (vocab, T) = the output projection (wte's rows, or lm_head's) · h.
inline void output_logits(const Bf16Weights& w, const arma::fmat& h, arma::fmat& logits) {
    matmul_bf16(w.output_rows(), h, logits);
}

// Loads a model (as load_gpt2: a folder, "mini" or "random") with its big matrices converted to
// bfloat16 tensor by tensor, a chunk at a time, as they are read: the float32 model is never
// held (peak memory ≈ the bf16 model + 256 KiB). A bfloat16 checkpoint keeps its exact bits.
Bf16Weights load_bf16(const std::string& model_arg);
// The same conversion from float32 weights already in memory (tests, small models).
Bf16Weights to_bf16_weights(const Gpt2Weights& weights);

}  // namespace gpt2
