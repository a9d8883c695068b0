#include "08_paged_kv_cache/block_pool.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

namespace gpt2 {

std::uint64_t BlockPool::block_bytes(const Gpt2Config& config, int block_size) {
    return static_cast<std::uint64_t>(block_size) * config.n_layer * 2 * config.n_embd * sizeof(float);
}

BlockPool::BlockPool(const Gpt2Config& config, int block_size, int total_blocks) : block_size_(block_size) {
    if (block_size < 1) throw UserError("--block-size " + std::to_string(block_size) + ": a block holds at least 1 token");
    if (total_blocks < 1) throw UserError("the KV cache pool has room for no block; give it more memory (--cache-mib)");
    const arma::uword columns = static_cast<arma::uword>(total_blocks) * block_size;
    keys_.resize(config.n_layer);
    values_.resize(config.n_layer);
    for (int l = 0; l < config.n_layer; ++l) {
        keys_[l].zeros(config.n_embd, columns);    // (n_embd, total · block_size)
        values_[l].zeros(config.n_embd, columns);
    }
    references_.assign(total_blocks, 0);
    for (int b = total_blocks - 1; b >= 0; --b) free_.push_back(b);  // allocate() hands out 0, 1, 2, …
}

int BlockPool::shared() const {
    return static_cast<int>(std::count_if(references_.begin(), references_.end(), [](int r) { return r > 1; }));
}

// [listing:ch08_pool]
int BlockPool::allocate() {
    if (free_.empty()) return -1;
    const int block = free_.back();
    free_.pop_back();
    references_[block] = 1;
    return block;
}

void BlockPool::share(int block) { ++references_[block]; }

void BlockPool::release(int block) {
    if (references_[block] <= 0) throw std::logic_error("BlockPool::release: block " + std::to_string(block) + " is free");
    if (--references_[block] == 0) free_.push_back(block);  // nobody uses it: reusable
}
// [/listing]

void BlockPool::copy_block(int from, int to, int slots) {
    if (slots <= 0) return;
    const arma::uword a = static_cast<arma::uword>(from) * block_size_, b = static_cast<arma::uword>(to) * block_size_;
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        keys_[l].cols(b, b + slots - 1) = keys_[l].cols(a, a + slots - 1);
        values_[l].cols(b, b + slots - 1) = values_[l].cols(a, a + slots - 1);
    }
}

void BlockPool::shuffle_free_list(std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    std::shuffle(free_.begin(), free_.end(), engine);
}

}  // namespace gpt2
