// forward.hpp — GPT-2's forward pass (chapter 03): ids → logits.
//
// Activations are (n_embd, T): one token per column. A block is built from pieces, so that a
// caller sees attention's three moves:
//   1. project_qkv    q, k, v of the T new tokens            (3·n_embd, T)
//   2. store k, v     somewhere attention can read them
//   3. attend_stored  the new queries over every stored key and value, then the projection
// forward() stores k, v in fresh matrices for this one pass (block() below). Chapter 05's
// cached forward stores them in its KV cache instead (KVCache::append) — the same pieces, the
// same arithmetic; only where k and v live differs.
#pragma once

#include "03_forward_pass/gpt2_weights.hpp"

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

// Buffers a forward pass reuses, so that a decode step allocates nothing. Each matrix is
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
// Views the buffers as T columns (no allocation unless T is more than they were made for).
void use_columns(ForwardBuffers& b, arma::uword T);

// Throws UserError for an empty list, an id outside the vocabulary, or start + T past the window.
void check_ids(const Gpt2Config& config, const std::vector<int>& ids, int start);

// The new keys and values project_qkv leaves in b.qkv: rows [n, 2n) and [2n, 3n).
inline arma::subview<float> new_keys(ForwardBuffers& b) { return b.qkv.rows(b.x.n_rows, 2 * b.x.n_rows - 1); }
inline arma::subview<float> new_values(ForwardBuffers& b) { return b.qkv.rows(2 * b.x.n_rows, 3 * b.x.n_rows - 1); }

// --- Steps 2–5: the block pieces, templates over the weights --------------------------------
// Gpt2Weights holds float32 matrices; chapter 09's Bf16Weights the same names in bfloat16. The
// pieces are defined once, in block_pieces.hpp, and compiled for each weights type once: for
// Gpt2Weights in forward.cpp, for Bf16Weights in chapter 09.

// Step 2: x (n_embd, T) = token embeddings + the embeddings of positions [start, start + T).
template <class Weights>
void embed(const Weights& w, const std::vector<int>& ids, int start, arma::fmat& x);
// Step 4, a block in pieces (each works in place on the buffers):
// 1. b.h = ln_1(b.x); b.qkv (3·n_embd, T) = W_qkv·b.h + bias: new_keys(b), new_values(b) above.
template <class Layer>
void project_qkv(const Layer& w, const Gpt2Config& config, ForwardBuffers& b);
// 3. The T queries, at positions [start, start + T), attend over columns [0, start + T) of K and
//    V (n_embd, ≥ start + T); b.x += W_proj·(heads merged) + bias.
template <class Layer>
void attend_stored(const Layer& w, const Gpt2Config& config, int start, const arma::fmat& K, const arma::fmat& V,
                   ForwardBuffers& b);
//    Its second half on its own: b.x += W_proj·b.attn + bias (chapter 07 attends sequence by
//    sequence, then projects every sequence's column in one product).
template <class Layer>
void add_attention_output(const Layer& w, ForwardBuffers& b);
// The MLP sub-block: b.x += W_proj·gelu(W_fc·ln_2(b.x) + b_fc) + b_proj.
template <class Layer>
void mlp(const Layer& w, const Gpt2Config& config, ForwardBuffers& b);
// Final LayerNorm of the last column, and its logits (vocab).
template <class Weights>
void last_logits(const Weights& weights, ForwardBuffers& b, arma::fvec& logits);
// Final LayerNorm of every column (into b.h), and every column's logits: (vocab, T).
template <class Weights>
void every_logits(const Weights& weights, ForwardBuffers& b, arma::fmat& logits);

// Logits for every position of `ids`: (vocab, T). Throws UserError for bad ids or T > n_positions.
arma::fmat forward(const Gpt2Weights& weights, const std::vector<int>& ids, const TraceFn* trace = nullptr);
// Only the last position's logits (vocab): what naive decoding needs each step.
arma::fvec forward_last(const Gpt2Weights& weights, const std::vector<int>& ids);

}  // namespace gpt2
