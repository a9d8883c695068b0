#include "kv_cache.hpp"

#include "errors.hpp"

#include <string>

namespace gpt2 {

// [listing:kv_cache_layouts]
KVCache::KVCache(const Gpt2Config& config, int capacity, Layout layout)
    : layout_(layout), n_embd_(config.n_embd), capacity_(capacity > 0 ? capacity : config.n_positions) {
    if (capacity_ > config.n_positions)
        throw UserError("a KV cache of " + std::to_string(capacity_) + " tokens is longer than the model's " +
                        std::to_string(config.n_positions) + "-token window; ask for at most that");
    // Preallocated: the whole window now, once. Concat: nothing yet; each step grows it.
    const arma::uword columns = layout_ == Layout::Preallocated ? capacity_ : 0;
    // Each layer's matrices are made in place: no temporary to copy from, so the memory held
    // is exactly the cache (chapter 06 measures it).
    keys_.resize(config.n_layer);
    values_.resize(config.n_layer);
    for (int l = 0; l < config.n_layer; ++l) {
        keys_[l].zeros(n_embd_, columns);    // (n_embd, capacity)
        values_[l].zeros(n_embd_, columns);  // (n_embd, capacity)
    }
}

void KVCache::make_room(int n) {
    if (n < 0 || length_ + n > capacity_)
        throw UserError("the sequence would reach " + std::to_string(length_ + n) + " tokens, past the " +
                        std::to_string(capacity_) + "-token context window");
    if (layout_ == Layout::Concat) {
        // What torch.cat does: a new, larger matrix, and a copy of everything so far.
        for (std::size_t l = 0; l < keys_.size(); ++l) {
            keys_[l] = arma::join_rows(keys_[l].head_cols(length_), arma::fmat(n_embd_, n, arma::fill::zeros));
            values_[l] = arma::join_rows(values_[l].head_cols(length_), arma::fmat(n_embd_, n, arma::fill::zeros));
        }
    }
}

// [/listing]

void KVCache::advance(int n) { length_ += n; }

void KVCache::reset() {
    length_ = 0;
    if (layout_ == Layout::Concat) {
        for (std::size_t l = 0; l < keys_.size(); ++l) {
            keys_[l].set_size(n_embd_, 0);
            values_[l].set_size(n_embd_, 0);
        }
    }
}

std::uint64_t KVCache::bytes() const {
    std::uint64_t total = 0;
    for (std::size_t l = 0; l < keys_.size(); ++l) total += (keys_[l].n_elem + values_[l].n_elem) * sizeof(float);
    return total;
}

std::uint64_t KVCache::bytes_in_use() const {
    return 2ULL * keys_.size() * static_cast<std::uint64_t>(n_embd_) * length_ * sizeof(float);
}

}  // namespace gpt2
