// kv_cache.hpp — the KV cache: every past token's keys and values, kept instead of recomputed.
//
// For every layer, K and V are (n_embd, capacity) matrices allocated once for the whole
// window: column p holds position p's key (or value) vector, heads contiguous
// (rows h·head_dim … (h+1)·head_dim−1 belong to head h). Appending a token writes one column;
// attention reads the view .cols(0, length−1). Nothing is copied per step.
//
// The other layout people write first — growing K and V by concatenation each step
// (torch.cat) — is Layout::Concat: make_room() then reallocates and copies everything
// each step. Chapter 05 measures what those copies cost.
#pragma once

#include "gpt2_config.hpp"

#include <armadillo>
#include <cstdint>
#include <vector>

namespace gpt2 {

class KVCache {
public:
    enum class Layout { Preallocated, Concat };

    // capacity: tokens the cache can hold; 0 means the model's whole window (n_positions).
    explicit KVCache(const Gpt2Config& config, int capacity = 0, Layout layout = Layout::Preallocated);

    int length() const { return length_; }      // tokens stored so far
    int capacity() const { return capacity_; }  // tokens it may hold at most
    int n_layer() const { return static_cast<int>(keys_.size()); }
    Layout layout() const { return layout_; }

    // Before writing n new tokens: checks they fit (UserError if not) and, for the Concat
    // layout, grows every matrix by n columns — a full copy, which is the point.
    void make_room(int n);
    // Keys / values of one layer: (n_embd, allocated columns). Columns [0, length()) are
    // filled; a forward pass writes columns [length(), length()+n) of every layer, then
    // calls advance(n).
    arma::fmat& keys(int layer) { return keys_[layer]; }
    arma::fmat& values(int layer) { return values_[layer]; }
    const arma::fmat& keys(int layer) const { return keys_[layer]; }
    const arma::fmat& values(int layer) const { return values_[layer]; }
    void advance(int n);
    // Forget every token (the memory stays allocated): the next generation starts fresh.
    void reset();

    // Bytes the cache actually holds right now (every K and V element, float32).
    std::uint64_t bytes() const;
    // Bytes in use by the `length()` stored tokens.
    std::uint64_t bytes_in_use() const;

private:
    Layout layout_;
    int n_embd_, capacity_, length_ = 0;
    std::vector<arma::fmat> keys_, values_;  // n_layer × (n_embd, columns)
};

}  // namespace gpt2
