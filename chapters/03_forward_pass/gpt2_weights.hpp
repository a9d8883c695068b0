// gpt2_weights.hpp — every GPT-2 weight, held once, as Armadillo matrices.
//
// The checkpoint stores Conv1D weights as row-major (in, out) arrays. Read as a
// column-major Armadillo matrix, those same bytes are the (out, in) matrix Wᵀ — exactly
// what y = Wᵀ·x needs with one token per column. So the loader copies bytes, never transposes.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"

#include <armadillo>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gpt2 {

struct LayerWeights {
    arma::fvec ln_1_weight, ln_1_bias;  // (n_embd)
    arma::fmat attn_qkv_weight;         // (3·n_embd, n_embd)  rows = [q | k | v], heads contiguous
    arma::fvec attn_qkv_bias;           // (3·n_embd)
    arma::fmat attn_proj_weight;        // (n_embd, n_embd)
    arma::fvec attn_proj_bias;          // (n_embd)
    arma::fvec ln_2_weight, ln_2_bias;  // (n_embd)
    arma::fmat mlp_fc_weight;           // (4·n_embd, n_embd)
    arma::fvec mlp_fc_bias;             // (4·n_embd)
    arma::fmat mlp_proj_weight;         // (n_embd, 4·n_embd)
    arma::fvec mlp_proj_bias;           // (n_embd)
};

struct Gpt2Weights {
    Gpt2Config config;
    arma::fmat wte;                     // (n_embd, vocab)        column t = token t's embedding
    arma::fmat wpe;                     // (n_embd, n_positions)  column p = position p's embedding
    std::vector<LayerWeights> layers;   // n_layer of them
    arma::fvec ln_f_weight, ln_f_bias;  // (n_embd)
    arma::fmat lm_head;                 // (n_embd, vocab), empty when tied to wte (GPT-2's case)
    std::string source;                 // the file it came from, "mini", or "random (seed N)"
    bool is_random = false;

    // The output projection: logits = output_embedding()ᵀ · x.
    const arma::fmat& output_embedding() const { return lm_head.n_elem ? lm_head : wte; }
    // Bytes of float32 weights held.
    std::uint64_t bytes() const;
};

// "random" → random_gpt2(gpt2_small_config()); otherwise a folder holding config.json +
// model.safetensors, or the .safetensors file with config.json beside it.
// Throws UserError for anything missing or malformed (a missing path suggests `make gpt2`).
// Accepted: keys with or without "transformer.", tensors in any order, F32/F16/BF16 (converted
// to float32 on load); h.N.attn.bias / attn.masked_bias mask buffers and unknown tensors are
// ignored; lm_head.weight, if present and equal to wte, is not stored (tied), otherwise it is
// kept in `lm_head`. Refused: a missing required tensor, a shape that disagrees with
// config.json, blocks beyond n_layer, a name present with and without the prefix, and NaN or
// Inf in any weight (they would turn every logit into NaN). Peak memory ≈ the weights + a few
// MB: each tensor is read straight into its matrix, F16/BF16 through a 128 KB buffer.
// model_arg: a folder or file as above, "mini" (data/mini, the small model trained here) or
// "random" (GPT-2 124M's shapes, random weights).
Gpt2Weights load_gpt2(const std::string& model_arg);
// Chapter 09's way in: load_gpt2, but the big matrices — wte (lm_head if separate) and every
// block's four weight matrices — are handed to a sink in chunks as they are read (or
// generated) instead of being kept, so a program can convert them (to bfloat16) without ever
// holding the float32 model. The chunks come in the checkpoint's order: `first` counts the
// tensor's elements row-major over its shape (wte: [vocab, n_embd]; Conv1D weights: [in, out]).
enum class BigMatrix { wte, attn_qkv, attn_proj, mlp_fc, mlp_proj, lm_head };
using MatrixWriter = std::function<void(std::uint64_t first, const float* values, std::uint64_t count)>;
// Called once per big matrix, before its chunks (layer: its block, −1 for wte and lm_head).
using MatrixSink = std::function<MatrixWriter(BigMatrix which, int layer, const std::vector<std::uint64_t>& shape)>;
// The returned weights hold everything else (wpe, biases, LayerNorms) and EMPTY big matrices.
// Same checks and errors as load_gpt2; the random model gives the same numbers as random_gpt2.
Gpt2Weights load_gpt2_streaming(const std::string& model_arg, const MatrixSink& sink);

// GPT-2's shapes with deterministic pseudo-random weights (fixed seed, GPT-2's init scale):
// uniform with std 0.02 (attn/mlp c_proj: 0.02/√(2·n_layer)), LayerNorm weights 1, biases 0.
// Each element comes from a counter-based generator (SplitMix64 of seed, tensor, index; see
// tests/reference/README.md), so it is fast, split over threads, and numpy can regenerate it.
Gpt2Weights random_gpt2(const Gpt2Config& config, std::uint64_t seed = 1234, const MatrixSink* sink = nullptr);
// The plain notices every program prints when the random model, or the small trained one, is in use.
std::string random_model_notice();
std::string mini_model_notice();

}  // namespace gpt2
