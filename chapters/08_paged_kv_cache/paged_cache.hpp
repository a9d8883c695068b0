// paged_cache.hpp — a sequence's view of the pool: its block table (chapter 08, README step 3).
//
// Logical position p of a sequence lives in block table[p / S], slot p % S (S = block size):
//     column = table[p / S] · S + p % S          ← the one new indirection of this chapter
// A sequence owns blocks only for the positions it has reached; a new block is taken when it
// crosses a block boundary, and every block goes back to the pool when it finishes. Sequences
// may share blocks (several samples of one prompt): a shared block is read by all and copied
// by the first one that writes into it (copy-on-write).
#pragma once

#include "05_cached_decode/kv_cache.hpp"          // KVCache (chapter 05): where a prefill is computed
#include "07_batched_decoding/batched_step.hpp"   // BatchCaches: what the batched step needs (chapter 07)
#include "08_paged_kv_cache/block_pool.hpp"

#include <armadillo>
#include <vector>

namespace gpt2 {

struct PagedSequence {
    std::vector<int> table;    // logical block j → physical block in the pool
    std::vector<int> lengths;  // tokens stored, per layer (equal between steps)
    int length() const { return lengths.empty() ? 0 : lengths.back(); }
};

// Makes positions [length, length + tokens) writable by `sequence` alone: a new block each time
// they cross into a block the table does not have yet, and a private copy of a shared block
// they would write into. Returns false, changing nothing, when the pool has too few free blocks.
bool reserve_blocks(PagedSequence& sequence, BlockPool& pool, int tokens);
// The blocks `tokens` positions need: ceil(tokens / S).
int blocks_for(int tokens, int block_size);
// A second sequence with the same tokens: the same table, every block shared (nothing copied).
PagedSequence share_all(const PagedSequence& sequence, BlockPool& pool);
// Gives every block back to the pool and forgets the table.
void release_all(PagedSequence& sequence, BlockPool& pool);
// Copies the `tokens` positions a contiguous cache holds (a prefill) into the sequence's
// blocks, through its table; reserve_blocks first. The sequence then holds `tokens` positions.
void store_prefill(const KVCache& prefill, int tokens, PagedSequence& sequence, BlockPool& pool);

// The batch's caches for chapter 07's decode_step_batched: block tables into one pool.
class PagedCaches : public BatchCaches {
public:
    PagedCaches(const Gpt2Config& config, BlockPool& pool);
    // The sequences of the next step (reserve_blocks(…, 1) each first).
    void use(const std::vector<PagedSequence*>& sequences) { sequences_ = &sequences; }
    int size() const override { return static_cast<int>(sequences_->size()); }
    int length(int i) const override { return (*sequences_)[i]->length(); }
    void append(int layer, int i, const arma::subview<float>& k_new, const arma::subview<float>& v_new) override;
    void attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& scratch) const override;

private:
    const Gpt2Config& config_;
    BlockPool& pool_;
    const std::vector<PagedSequence*>* sequences_ = nullptr;
    mutable std::vector<float> scores_;  // (n_head · n_positions): one query's scores, every head
};

// One query over the positions [0, n_keys) of a sequence, every head, reading K and V through
// the block table: q (n_embd floats) → out (n_embd floats). `scores` holds n_head · n_keys.
void paged_attention(const float* q, const std::vector<int>& table, int n_keys, const arma::fmat& K,
                     const arma::fmat& V, int block_size, int n_head, float* scores, float* out);

}  // namespace gpt2
