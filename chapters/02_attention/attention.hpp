// attention.hpp — scaled dot-product attention, built from its parts (chapter 02).
//
// One token per column. For one head with head dimension d:
//   Q (d, T_q)  queries of the tokens that look;   K, V (d, T_k)  keys and values they look at
//   scores (T_k, T_q) = Kᵀ·Q / √d      column j: how well query j matches every key
//   causal mask: the query at position p may only see keys at positions ≤ p
//   weights = softmax of each column   (each column sums to 1)
//   out (d, T_q) = V · weights         each output column: a weighted mix of value columns
// Several heads: the n_embd rows are split into n_head blocks of head_dim rows; each block
// attends on its own; the results are stacked back (merge). See chapters/02_attention/README.md.
//
// Positions: the T_q queries sit at positions [first_position, first_position + T_q); keys
// sit at positions [0, T_k). Without a cache first_position = 0 and T_k = T_q; with a cache
// the new queries come after every cached key.
#pragma once

#include <armadillo>

namespace gpt2 {

// --- the parts, one step each (chapter 02's walkthrough) ---

// (T_k, T_q) = Kᵀ·Q / √d, d = Q.n_rows.
arma::fmat attention_scores(const arma::fmat& Q, const arma::fmat& K);
// Sets scores(i, j) = −∞ wherever key i is in the future of query j (i > first_position + j).
void apply_causal_mask(arma::fmat& scores, int first_position);
// Softmax of each column, numerically stable (subtracts the column's max first); −∞ → 0.
void softmax_columns(arma::fmat& scores);
// The causal mask and the softmax in one pass, in place: what the model runs. Entries in
// the future become exactly 0 and are never exponentiated.
void masked_softmax(arma::fmat& scores, int first_position);
// One head: scores → masked softmax → V·weights. Returns (d, T_q); `weights` (T_k, T_q) if asked.
arma::fmat attend(const arma::fmat& Q, const arma::fmat& K, const arma::fmat& V, int first_position,
                  arma::fmat* weights = nullptr);

// --- several heads ---

// (n_embd, T) → cube (head_dim, T, n_head): slice h = rows [h·head_dim, (h+1)·head_dim).
arma::fcube split_heads(const arma::fmat& x, int n_head);
// The inverse: cube (head_dim, T, n_head) → (n_embd, T).
arma::fmat merge_heads(const arma::fcube& heads);
// Split Q, K, V into heads, attend in each, merge: (n_embd, T_q).
arma::fmat multi_head_attention(const arma::fmat& Q, const arma::fmat& K, const arma::fmat& V, int n_head,
                                int first_position);

// --- what trained heads do ---

// Where one head's attention goes, averaged over the queries that have an earlier token
// (queries 1 … T−1): the weight on the token just before, and on the first token. Trained
// models grow "previous-token heads" (previous_token near 1) and pour spare attention onto
// the first token, an "attention sink" (Xiao et al. 2023, "Efficient Streaming Language
// Models with Attention Sinks").
struct HeadHabits {
    float previous_token = 0;
    float first_token = 0;
};
HeadHabits head_habits(const arma::fmat& weights);  // weights: (T keys, T queries), T ≥ 2

// --- the model's version: the same computation on its buffers, without copies ---
//
// Q: its rows [0, n_embd) hold the queries, (n_embd, T) — so the model's qkv matrix
//    (3·n_embd, T) can be passed as it is.
// K, V: (n_embd, ≥ first_position + T); columns [0, first_position + T) are read.
// scratch: any matrix with at least (first_position + T)·T elements (its memory is reused).
// out: (n_embd, T), written.
// A head's rows are a strided block of K and V (the heads sit one above the other in each
// column), so BLAS is called with the leading dimension (lda = n_embd) — nothing is copied.
void causal_attention_heads(const arma::fmat& Q, int n_embd, int n_head, int first_position, const arma::fmat& K,
                            const arma::fmat& V, arma::fmat& scratch, arma::fmat& out);

}  // namespace gpt2
