// gpt2_model.hpp — the GPT-2 forward pass (chapter 03), with or without a KV cache (chapter 05).
//
// Activations are (n_embd, T): one token per column. Both paths run the SAME block code;
// the only difference is where keys and values live:
//   forward()        — a fresh K, V for the T tokens given (no memory of earlier calls);
//   forward_cached() — K, V are the cache's columns; the new tokens' K, V are appended and
//                      attention reads every cached column. Prefill = the prompt in one call,
//                      a decode step = one token.
#pragma once

#include "gpt2_weights.hpp"
#include "kv_cache.hpp"

#include <armadillo>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gpt2 {

// Called with each stage's name and value (chapter 03's --trace; tests).
using TraceFn = std::function<void(const std::string& stage, const arma::fmat& value)>;

// LayerNorm over each column: (x − mean) / sqrt(biased var + eps) · weight + bias.
void layer_norm(const arma::fmat& x, const arma::fvec& weight, const arma::fvec& bias, float eps,
                arma::fmat& out);  // x, out: (n_embd, T)
// GELU, tanh approximation (GPT-2's), in place.
void gelu_in_place(arma::fmat& x);

// Buffers a forward pass reuses, so that a decode step allocates nothing.
struct ForwardBuffers;
// (Defined here so that callers can hold a std::unique_ptr<ForwardBuffers>.) Each matrix is
// allocated once for max_tokens columns; a pass over T ≤ max_tokens tokens resizes it to T
// columns, which reuses the same memory (Armadillo keeps a buffer when it shrinks).
struct ForwardBuffers {
    int max_tokens = 0;
    arma::fmat x;       // (n_embd, T)    the residual stream
    arma::fmat h;       // (n_embd, T)    a LayerNorm's output
    arma::fmat qkv;     // (3·n_embd, T)  queries, keys, values of the new tokens
    arma::fmat attn;    // (n_embd, T)    attention output, heads merged
    arma::fmat proj;    // (n_embd, T)    a projection back to the residual width
    arma::fmat fc;      // (4·n_embd, T)  the MLP's hidden layer
    arma::fmat scores;  // scratch: one head's (keys, T) attention weights; n_positions·max_tokens floats
    arma::fvec last;    // (n_embd)       the last position after the final LayerNorm
};
std::unique_ptr<ForwardBuffers> make_forward_buffers(const Gpt2Config& config, int max_tokens);

// Logits for every position of `ids`: (vocab, T). Throws UserError for bad ids or T > n_positions.
arma::fmat forward(const Gpt2Weights& weights, const std::vector<int>& ids, const TraceFn* trace = nullptr);
// Only the last position's logits (vocab): what naive decoding needs each step.
arma::fvec forward_last(const Gpt2Weights& weights, const std::vector<int>& ids);
// Runs `ids` at positions [cache.length(), cache.length() + T), appends their K, V to the
// cache, and writes the last position's logits (vocab) into `logits`.
void forward_cached(const Gpt2Weights& weights, const std::vector<int>& ids, KVCache& cache,
                    ForwardBuffers& buffers, arma::fvec& logits);

}  // namespace gpt2
