// batched_step.hpp — one decode step for B sequences at once (chapter 07, README step 3).
//
// Chapter 05's decode step multiplies every weight matrix by ONE column: a matrix-vector
// product that reads ~0.5 GB of weights to do ~0.25 GFLOP, so memory bandwidth sets its speed.
// Here the B sequences' newest tokens sit side by side in one (n_embd, B) matrix, so every
// weight product is a matrix-matrix product over B columns: the weights are read once for
// all B tokens. Only attention stays per sequence — each column's query attends over its own
// sequence's keys and values, at its own length; no sequence ever reads another's keys, and
// no padding is ever attended.
#pragma once

#include "03_forward_pass/forward.hpp"     // block pieces, ForwardBuffers (chapter 03)
#include "05_cached_decode/kv_cache.hpp"   // KVCache and its append (chapter 05)

#include <armadillo>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpt2 {

// Where a batch's sequences keep their keys and values. The batched step asks only this of
// them; chapter 07 gives every sequence its own KVCache (ContiguousCaches below), chapter 08
// a block table into a shared pool — the same step, only where k and v live differs.
class BatchCaches {
public:
    virtual ~BatchCaches() = default;
    virtual int size() const = 0;           // sequences in the batch
    virtual int length(int i) const = 0;    // tokens sequence i holds: its new token's position
    // Stores sequence i's new key and value, (n_embd, 1) each, after the tokens it holds.
    virtual void append(int layer, int i, const arma::subview<float>& k_new, const arma::subview<float>& v_new) = 0;
    // Sequence i's query — rows [0, n_embd) of `query`, one column — over everything sequence i
    // stores in `layer`, the new token included; writes its heads' output into `out` (n_embd, 1).
    // `scratch` is reusable memory for the scores.
    virtual void attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& scratch) const = 0;
};

// Chapter 07's caches: one chapter 05 KVCache per sequence.
class ContiguousCaches : public BatchCaches {
public:
    ContiguousCaches(const Gpt2Config& config, const std::vector<KVCache*>& caches) : config_(config), caches_(caches) {}
    int size() const override { return static_cast<int>(caches_.size()); }
    int length(int i) const override { return caches_[i]->length(); }
    void append(int layer, int i, const arma::subview<float>& k_new, const arma::subview<float>& v_new) override;
    void attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& scratch) const override;

private:
    const Gpt2Config& config_;
    const std::vector<KVCache*>& caches_;
};

// A bad id or a full window is a UserError, not a wild read.
void check_token(const Gpt2Config& config, int token, int position);

// Runs tokens[i] — sequence i's newest token, at position caches.length(i) — through the model
// for every i at once: appends each token's k, v to its own sequence's cache and writes the
// next-token logits of every sequence into `logits` (vocab, B). `buffers` come from
// make_forward_buffers; after the first step of a given width nothing is allocated. A template
// over the weights (chapter 03's Gpt2Weights, or chapter 09's bfloat16 ones).
template <class Weights>
void decode_step_batched(const Weights& weights, const std::vector<int>& tokens, BatchCaches& caches,
                         ForwardBuffers& b, arma::fmat& logits);  // defined in decode_step_batched.hpp


}  // namespace gpt2
