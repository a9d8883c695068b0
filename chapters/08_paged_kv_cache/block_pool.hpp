// block_pool.hpp — the paged KV cache's memory (chapter 08, README step 2): one pool of
// fixed-size blocks shared by every sequence, a free list, and a reference count per block.
//
// A block holds the keys and values of `block_size` consecutive positions of one sequence, in
// every layer. For each layer the pool keeps K and V as one matrix (n_embd, total · block_size):
// block b's slot s is column b·block_size + s. Sequences find their blocks through a block
// table (paged_cache.hpp); the pool only hands blocks out and takes them back.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"  // the model's shapes (chapter 03)

#include <armadillo>
#include <cstdint>
#include <vector>

namespace gpt2 {

class BlockPool {
public:
    BlockPool(const Gpt2Config& config, int block_size, int total_blocks);

    // Bytes one block holds: block_size × n_layer × 2 (K and V) × n_embd × 4.
    static std::uint64_t block_bytes(const Gpt2Config& config, int block_size);

    int block_size() const { return block_size_; }
    int total() const { return static_cast<int>(references_.size()); }
    int free_count() const { return static_cast<int>(free_.size()); }
    int used() const { return total() - free_count(); }
    int shared() const;  // blocks more than one sequence uses

    // A free block, now used once; -1 when none is free (the caller decides: wait, or preempt).
    int allocate();
    void share(int block);    // one more sequence uses `block`
    void release(int block);  // one fewer; back on the free list when none is left
    int references(int block) const { return references_[block]; }

    arma::fmat& keys(int layer) { return keys_[layer]; }  // (n_embd, total · block_size)
    arma::fmat& values(int layer) { return values_[layer]; }
    const arma::fmat& keys(int layer) const { return keys_[layer]; }
    const arma::fmat& values(int layer) const { return values_[layer]; }
    // Copies slots [0, slots) of block `from` into block `to`, in every layer (copy-on-write).
    void copy_block(int from, int to, int slots);
    // Puts the free blocks in a random order: which physical block a sequence gets must not
    // matter (the tests shuffle it).
    void shuffle_free_list(std::uint64_t seed);

private:
    int block_size_;
    std::vector<arma::fmat> keys_, values_;  // n_layer × (n_embd, total · block_size)
    std::vector<int> free_;                  // free blocks; allocate() takes the last
    std::vector<int> references_;            // per block: how many sequences use it
};

}  // namespace gpt2
