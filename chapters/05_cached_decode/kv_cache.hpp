// kv_cache.hpp — the KV cache: every past token's keys and values, kept instead of recomputed.
//
// For every layer, K and V are (n_embd, columns) matrices: column p holds position p's key
// (or value) vector, heads contiguous (rows h·head_dim … (h+1)·head_dim−1 belong to head h).
// append() writes the new tokens' columns at the cache's current length; attention reads
// columns [0, length). Two layouts, side by side in append():
//   Preallocated — the whole window allocated once, up front; appending writes columns in
//                  place and nothing is ever copied (Hugging Face's StaticCache);
//   Concat       — grown by concatenation each step, as torch.cat does (Hugging Face's
//                  DynamicCache): every append copies everything stored so far. Chapter 05
//                  measures what those copies cost.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"  // the model's shapes (chapter 03)

#include <armadillo>
#include <cstdint>
#include <vector>

namespace gpt2 {

class KVCache {
public:
    enum class Layout { Preallocated, Concat };

    // capacity: tokens the cache can hold; 0 means the model's whole window (n_positions).
    explicit KVCache(const Gpt2Config& config, int capacity = 0, Layout layout = Layout::Preallocated);

    // Stores the new tokens' keys and values, k_new and v_new (n_embd, T), after the `length`
    // tokens the layer already holds. Throws UserError (and stores nothing) if they do not fit.
    void append(int layer, const arma::subview<float>& k_new, const arma::subview<float>& v_new);

    // Tokens stored: in one layer, and in every layer (a token counts once the last layer holds it).
    int length(int layer) const { return lengths_[layer]; }
    int length() const { return lengths_.back(); }
    int capacity() const { return capacity_; }  // tokens it may hold at most
    int n_layer() const { return static_cast<int>(keys_.size()); }
    Layout layout() const { return layout_; }

    // Keys / values of one layer: (n_embd, allocated columns); columns [0, length(layer)) are
    // stored tokens (attention reads those; the rest of a preallocated cache is zeros).
    const arma::fmat& keys(int layer) const { return keys_[layer]; }
    const arma::fmat& values(int layer) const { return values_[layer]; }
    // Forget every token (the memory stays allocated): the next generation starts fresh.
    void reset();

    // Bytes the cache actually holds right now (every K and V element, float32).
    std::uint64_t bytes() const;
    // Bytes in use by the `length()` stored tokens.
    std::uint64_t bytes_in_use() const;

private:
    Layout layout_;
    int n_embd_, capacity_;
    std::vector<arma::fmat> keys_, values_;  // n_layer × (n_embd, columns)
    std::vector<int> lengths_;               // n_layer: tokens each layer holds
};

}  // namespace gpt2
