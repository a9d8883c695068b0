// block_pieces.hpp — the definitions of forward.hpp's block pieces (chapter 03, steps 2–5).
//
// Templates over the weights: Gpt2Weights holds float32 matrices; chapter 09's Bf16Weights the
// same names in bfloat16. The pieces never touch a weight but through three operations,
// overloaded for each format (here for float32; chapter 09 adds bfloat16), so one block serves
// both:
//   linear(W, x, bias, y)            y (out, T) = W·x + bias
//   token_embedding(w, id, out)      out (n_embd) = token id's embedding
//   output_logits(w, h, logits)      logits (vocab, T) = the output projection of h (n_embd, T)
// Included only where the pieces are compiled for a weights type (forward.cpp; chapter 09's
// bf16_block.cpp): everything else calls them through forward.hpp.
#pragma once

#include "02_attention/attention.hpp"       // causal_attention_heads (chapter 02)
#include "03_forward_pass/forward.hpp"
#include "03_forward_pass/weight_product.hpp"

#include <algorithm>

namespace gpt2 {

// The three weight operations, for float32.
inline void linear(const arma::fmat& W, const arma::fmat& x, const arma::fvec& bias, arma::fmat& y) {
    weight_product(W, x, y);  // (out, T): gemv for one column, gemm for many (weight_product.hpp)
    y.each_col() += bias;
}
inline void token_embedding(const Gpt2Weights& w, int id, float* out) {
    const float* column = w.wte.colptr(id);  // wte (n_embd, vocab): column id
    std::copy(column, column + w.wte.n_rows, out);
}
inline void output_logits(const Gpt2Weights& w, const arma::fmat& h, arma::fmat& logits) {
    transposed_weight_product(w.output_embedding(), h, logits);  // (vocab, T) = wteᵀ·h, wte read in place
}

// [listing:embed]
// Step 2: x (n_embd, T) = token embeddings + the embeddings of positions [start, start + T).
template <class Weights>
void embed(const Weights& w, const std::vector<int>& ids, int start, arma::fmat& x) {
    for (arma::uword j = 0; j < ids.size(); ++j) {
        token_embedding(w, ids[j], x.colptr(j));  // column j = token ids[j]'s embedding ...
        x.col(j) += w.wpe.col(start + j);         // ... + the embedding of its position
    }
}
// [/listing]

// [listing:block_pieces]
// Step 4, a block in pieces (each works in place on the buffers):
// 1. Project: the new tokens' queries, keys and values, from the LayerNorm of the residual
//    stream. b.qkv (3n, T): rows [n, 2n) are the new keys, [2n, 3n) the new values.
template <class Layer>
void project_qkv(const Layer& w, const Gpt2Config& config, ForwardBuffers& b) {
    layer_norm(b.x, w.ln_1_weight, w.ln_1_bias, config.layer_norm_epsilon, b.h);  // (n, T)
    linear(w.attn_qkv_weight, b.h, w.attn_qkv_bias, b.qkv);  // (3n, T): gemm for a prompt, gemv for one token
}

// 3. Attend over everything stored, then project back into the residual stream. The T queries,
//    at positions [start, start + T), attend over columns [0, start + T) of K and V.
template <class Layer>
void attend_stored(const Layer& w, const Gpt2Config& config, int start, const arma::fmat& K, const arma::fmat& V,
                   ForwardBuffers& b) {
    causal_attention_heads(b.qkv, config.n_embd, config.n_head, start, K, V, b.scores, b.attn);  // (n, T)
    add_attention_output(w, b);
}

//    Its second half, on its own (chapter 07 attends sequence by sequence, then projects every
//    sequence's column in one product): b.x += W_proj·b.attn + bias.
template <class Layer>
void add_attention_output(const Layer& w, ForwardBuffers& b) {
    linear(w.attn_proj_weight, b.attn, w.attn_proj_bias, b.proj);  // (n, T)
    b.x += b.proj;  // the residual connection
}

// The MLP sub-block: x += proj(gelu(fc(ln_2(x))))
template <class Layer>
void mlp(const Layer& w, const Gpt2Config& config, ForwardBuffers& b) {
    // [exercise:mlp_block] see chapters/03_forward_pass/README.md, step 4
    layer_norm(b.x, w.ln_2_weight, w.ln_2_bias, config.layer_norm_epsilon, b.h);  // (n, T)
    linear(w.mlp_fc_weight, b.h, w.mlp_fc_bias, b.fc);  // (4n, T)
    gelu_in_place(b.fc);
    linear(w.mlp_proj_weight, b.fc, w.mlp_proj_bias, b.proj);  // (n, T)
    b.x += b.proj;  // the residual connection: added to the stream, never replacing it
    // [/exercise]
}
// [/listing]

// [listing:last_logits]
// Final LayerNorm of the last column and its logits: only one column goes through the
// (vocab × n_embd) output projection, the largest matrix of the model.
template <class Weights>
void last_logits(const Weights& weights, ForwardBuffers& b, arma::fvec& logits) {
    b.last = b.x.col(b.x.n_cols - 1);  // (n_embd): same size every time, no allocation
    layer_norm(b.last, weights.ln_f_weight, weights.ln_f_bias, weights.config.layer_norm_epsilon, b.last);
    output_logits(weights, b.last, logits);  // (vocab): a matrix-vector product
}
// [/listing]

// Final LayerNorm of every column (into b.h), and every column's logits: (vocab, T).
template <class Weights>
void every_logits(const Weights& weights, ForwardBuffers& b, arma::fmat& logits) {
    layer_norm(b.x, weights.ln_f_weight, weights.ln_f_bias, weights.config.layer_norm_epsilon, b.h);  // (n, T)
    output_logits(weights, b.h, logits);  // (vocab, T), one product
}

}  // namespace gpt2
