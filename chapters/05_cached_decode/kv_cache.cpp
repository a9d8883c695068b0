#include "05_cached_decode/kv_cache.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <string>

namespace gpt2 {

KVCache::KVCache(const Gpt2Config& config, int capacity, Layout layout)
    : layout_(layout), n_embd_(config.n_embd), capacity_(capacity > 0 ? capacity : config.n_positions),
      lengths_(config.n_layer, 0) {
    if (capacity_ > config.n_positions)
        throw UserError("a KV cache of " + std::to_string(capacity_) + " tokens is longer than the model's " +
                        std::to_string(config.n_positions) + "-token window; ask for at most that");
    // Preallocated: the whole window now, once. Concat: nothing yet; each append grows it.
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

// [listing:kv_append]
void KVCache::append(int layer, const arma::subview<float>& k_new, const arma::subview<float>& v_new) {
    // [exercise:kv_append] see chapters/05_cached_decode/README.md, step 2
    const int at = lengths_[layer];  // the new tokens go right after the stored ones
    const int T = static_cast<int>(k_new.n_cols);
    if (at + T > capacity_)
        throw UserError("the sequence would reach " + std::to_string(at + T) + " tokens, past the " +
                        std::to_string(capacity_) + "-token context window");
    arma::fmat& K = keys_[layer];    // (n_embd, columns)
    arma::fmat& V = values_[layer];
    if (layout_ == Layout::Preallocated) {
        // The columns exist already: write the new keys and values in place. Nothing moves.
        K.cols(at, at + T - 1) = k_new;
        V.cols(at, at + T - 1) = v_new;
    } else {
        // Concat, what torch.cat does: a new, larger matrix, and a copy of everything so far.
        K = arma::join_rows(K, k_new);  // (n_embd, at + T)
        V = arma::join_rows(V, v_new);
    }
    lengths_[layer] = at + T;
    // [/exercise]
}
// [/listing]

void KVCache::reset() {
    std::fill(lengths_.begin(), lengths_.end(), 0);
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
    return 2ULL * keys_.size() * static_cast<std::uint64_t>(n_embd_) * length() * sizeof(float);
}

}  // namespace gpt2
