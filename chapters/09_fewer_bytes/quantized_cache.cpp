// quantized_cache.cpp — storing keys and values in fewer bytes, and attention over them.
// Read it with chapters/09_fewer_bytes/README.md, step 4.
#include "09_fewer_bytes/quantized_cache.hpp"

#include "09_fewer_bytes/group_kernels.hpp"
#include "common/errors.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gpt2 {

std::uint64_t QuantizedKVCache::bytes_per_token(const Gpt2Config& config, DType format) {
    const std::uint64_t values = 2ULL * config.n_layer * config.n_embd;  // K and V, every layer
    const std::uint64_t scales = format == DType::int8 ? 2ULL * config.n_layer * config.n_head * sizeof(float) : 0;
    return values * bytes_per_value(format) + scales;
}

QuantizedKVCache::QuantizedKVCache(const Gpt2Config& config, DType format, int capacity)
    : format_(format), n_embd_(config.n_embd), n_head_(config.n_head),
      capacity_(capacity > 0 ? capacity : config.n_positions), lengths_(config.n_layer, 0) {
    if (format == DType::fp32) throw std::logic_error("QuantizedKVCache: float32 is chapter 05's KVCache");
    if (capacity_ > config.n_positions)
        throw UserError("a KV cache of " + std::to_string(capacity_) + " tokens is longer than the model's " +
                        std::to_string(config.n_positions) + "-token window");
    const std::size_t values = static_cast<std::size_t>(n_embd_) * capacity_;
    const std::size_t scales = static_cast<std::size_t>(n_head_) * capacity_;
    if (format == DType::int8) {
        keys8_.assign(config.n_layer, std::vector<std::int8_t>(values));
        values8_.assign(config.n_layer, std::vector<std::int8_t>(values));
        key_scales_.assign(config.n_layer, std::vector<float>(scales));
        value_scales_.assign(config.n_layer, std::vector<float>(scales));
    } else {
        keys16_.assign(config.n_layer, std::vector<std::uint16_t>(values));
        values16_.assign(config.n_layer, std::vector<std::uint16_t>(values));
    }
}

std::uint64_t QuantizedKVCache::bytes() const {
    Gpt2Config shape;
    shape.n_layer = static_cast<int>(lengths_.size());
    shape.n_embd = n_embd_;
    shape.n_head = n_head_;
    return bytes_per_token(shape, format_) * capacity_;
}

void QuantizedKVCache::reset() { std::fill(lengths_.begin(), lengths_.end(), 0); }

// [listing:ch09_cache_append]
void QuantizedKVCache::append(int layer, const arma::subview<float>& k_new, const arma::subview<float>& v_new) {
    const int at = lengths_[layer], T = static_cast<int>(k_new.n_cols), d = n_embd_ / n_head_;
    if (at + T > capacity_)
        throw UserError("the sequence would reach " + std::to_string(at + T) + " tokens, past the " +
                        std::to_string(capacity_) + "-token context window");
    for (int t = 0; t < T; ++t) {
        const std::size_t column = static_cast<std::size_t>(at + t) * n_embd_;  // token at + t's first value
        for (int i = 0; i < n_embd_; ++i) {
            if (format_ == DType::bf16) {
                keys16_[layer][column + i] = to_bf16(k_new(i, t));
                values16_[layer][column + i] = to_bf16(v_new(i, t));
            } else if (format_ == DType::fp16) {
                keys16_[layer][column + i] = to_fp16(k_new(i, t));
                values16_[layer][column + i] = to_fp16(v_new(i, t));
            }
        }
        if (format_ == DType::int8) {
            // One scale per head: a head's 64 numbers share their range, other heads' do not.
            const float* k = k_new.colptr(t);  // (n_embd): a column's rows are contiguous
            const float* v = v_new.colptr(t);
            for (int h = 0; h < n_head_; ++h) {
                const std::size_t scale = static_cast<std::size_t>(at + t) * n_head_ + h;
                key_scales_[layer][scale] = quantize_int8(k + h * d, d, &keys8_[layer][column + h * d]);
                value_scales_[layer][scale] = quantize_int8(v + h * d, d, &values8_[layer][column + h * d]);
            }
        }
    }
    lengths_[layer] = at + T;
}
// [/listing]

void QuantizedKVCache::store(const KVCache& prefill, int tokens) {
    if (length() != 0) throw std::logic_error("QuantizedKVCache::store: the cache must be empty");
    for (int l = 0; l < prefill.n_layer(); ++l)
        append(l, prefill.keys(l).cols(0, tokens - 1), prefill.values(l).cols(0, tokens - 1));
}

float QuantizedKVCache::key(int layer, int i, int t) const {
    const std::size_t at = static_cast<std::size_t>(t) * n_embd_ + i;
    switch (format_) {
        case DType::bf16: return from_bf16(keys16_[layer][at]);
        case DType::fp16: return from_fp16(keys16_[layer][at]);
        default: return keys8_[layer][at] * key_scales_[layer][static_cast<std::size_t>(t) * n_head_ + i / (n_embd_ / n_head_)];
    }
}

float QuantizedKVCache::value(int layer, int i, int t) const {
    const std::size_t at = static_cast<std::size_t>(t) * n_embd_ + i;
    switch (format_) {
        case DType::bf16: return from_bf16(values16_[layer][at]);
        case DType::fp16: return from_fp16(values16_[layer][at]);
        default: return values8_[layer][at] * value_scales_[layer][static_cast<std::size_t>(t) * n_head_ + i / (n_embd_ / n_head_)];
    }
}

// [listing:ch09_cache_attend]
void QuantizedKVCache::attend(int layer, const float* q, float* out, float* scores) const {
    const int n_keys = lengths_[layer], d = n_embd_ / n_head_;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    // Scores: token t's stored key, head by head, widened to float32 inside the dot product.
    for (int t = 0; t < n_keys; ++t) {
        const std::size_t column = static_cast<std::size_t>(t) * n_embd_;
        for (int h = 0; h < n_head_; ++h) {
            const std::size_t group = column + h * d;
            float s;
            if (format_ == DType::int8)
                s = dot_int8(q + h * d, &keys8_[layer][group], key_scales_[layer][static_cast<std::size_t>(t) * n_head_ + h], d);
            else if (format_ == DType::bf16)
                s = dot_bf16(q + h * d, &keys16_[layer][group], d);
            else
                s = dot_fp16(q + h * d, &keys16_[layer][group], d);
            scores[h * n_keys + t] = s * scale;
        }
    }
    for (int h = 0; h < n_head_; ++h) {  // softmax of each head's scores (all in the past)
        float* s = scores + h * n_keys;
        const float max = *std::max_element(s, s + n_keys);
        float sum = 0;
        for (int t = 0; t < n_keys; ++t) sum += (s[t] = std::exp(s[t] - max));
        for (int t = 0; t < n_keys; ++t) s[t] /= sum;
    }
    std::fill(out, out + n_embd_, 0.0f);
    for (int t = 0; t < n_keys; ++t) {  // the weighted sum of the stored values
        const std::size_t column = static_cast<std::size_t>(t) * n_embd_;
        for (int h = 0; h < n_head_; ++h) {
            const float p = scores[h * n_keys + t];
            const std::size_t group = column + h * d;
            if (format_ == DType::int8)
                axpy_int8(p, &values8_[layer][group], value_scales_[layer][static_cast<std::size_t>(t) * n_head_ + h],
                          out + h * d, d);
            else if (format_ == DType::bf16)
                axpy_bf16(p, &values16_[layer][group], out + h * d, d);
            else
                axpy_fp16(p, &values16_[layer][group], out + h * d, d);
        }
    }
}
// [/listing]

QuantizedCaches::QuantizedCaches(const Gpt2Config& config, const std::vector<QuantizedKVCache*>& caches)
    : caches_(caches), scores_(static_cast<std::size_t>(config.n_head) * config.n_positions) {}

void QuantizedCaches::attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& /*scratch*/) const {
    caches_[i]->attend(layer, query.memptr(), out.memptr(), scores_.data());
}

}  // namespace gpt2
