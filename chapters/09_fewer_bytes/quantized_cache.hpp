// quantized_cache.hpp — chapter 05's KV cache in fewer bytes (chapter 09, README step 4).
//
// The same layout — for every layer, K and V with one token per column, heads one above the
// other — with each number stored as float16, bfloat16, or int8 with one float32 scale per
// token and head (a group = head_dim values). Bytes per token of GPT-2 small:
//   float32 73,728   float16 / bfloat16 36,864   int8 18,432 + 1,152 of scales = 19,584
// Attention reads the narrow numbers directly (group_kernels.hpp): every score and every
// weighted sum is still computed in float32; only what is stored shrinks.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"         // the shapes (chapter 03)
#include "05_cached_decode/kv_cache.hpp"           // KVCache: the float32 reference (chapter 05)
#include "07_batched_decoding/batched_step.hpp"    // BatchCaches: what the batched step needs (chapter 07)
#include "09_fewer_bytes/number_formats.hpp"

#include <armadillo>
#include <cstdint>
#include <vector>

namespace gpt2 {

class QuantizedKVCache {
public:
    // format: fp16, bf16 or int8 (float32 is chapter 05's KVCache). capacity 0: the window.
    QuantizedKVCache(const Gpt2Config& config, DType format, int capacity = 0);

    // Bytes one token takes in every layer, K and V, scales included (the table above).
    static std::uint64_t bytes_per_token(const Gpt2Config& config, DType format);

    DType format() const { return format_; }
    int length(int layer) const { return lengths_[layer]; }
    int length() const { return lengths_.back(); }
    int capacity() const { return capacity_; }
    std::uint64_t bytes() const;  // allocated: capacity × bytes_per_token
    void reset();

    // Stores the new tokens' keys and values, (n_embd, T) float32, after the stored ones:
    // converted (fp16, bf16) or quantized head by head (int8). UserError if they do not fit.
    void append(int layer, const arma::subview<float>& k_new, const arma::subview<float>& v_new);
    // Copies the `tokens` positions a float32 cache holds (a prefill) into this one.
    void store(const KVCache& prefill, int tokens);
    // One query q (n_embd floats, heads one above the other) over the stored tokens of `layer`:
    // out (n_embd floats); `scores` holds n_head · length(layer) floats.
    void attend(int layer, const float* q, float* out, float* scores) const;
    // Stored key or value `i` of token `t` in `layer`, as float32 (the tests' view).
    float key(int layer, int i, int t) const;
    float value(int layer, int i, int t) const;

private:
    DType format_;
    int n_embd_, n_head_, capacity_;
    std::vector<int> lengths_;                          // per layer
    std::vector<std::vector<std::uint16_t>> keys16_, values16_;  // fp16/bf16: n_layer × (n_embd · capacity)
    std::vector<std::vector<std::int8_t>> keys8_, values8_;      // int8: n_layer × (n_embd · capacity)
    std::vector<std::vector<float>> key_scales_, value_scales_;   // int8: n_layer × (n_head · capacity)
};

// The batch's caches for chapter 07's decode_step_batched, one QuantizedKVCache per sequence.
class QuantizedCaches : public BatchCaches {
public:
    QuantizedCaches(const Gpt2Config& config, const std::vector<QuantizedKVCache*>& caches);
    int size() const override { return static_cast<int>(caches_.size()); }
    int length(int i) const override { return caches_[i]->length(); }
    void append(int layer, int i, const arma::subview<float>& k_new, const arma::subview<float>& v_new) override {
        caches_[i]->append(layer, k_new, v_new);
    }
    void attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& scratch) const override;

private:
    const std::vector<QuantizedKVCache*>& caches_;
    mutable std::vector<float> scores_;  // (n_head · n_positions)
};

}  // namespace gpt2
