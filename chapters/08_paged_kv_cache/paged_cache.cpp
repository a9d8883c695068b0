// paged_cache.cpp — block tables: reserving, sharing and copying blocks, and attention through
// the table. Read it with chapters/08_paged_kv_cache/README.md, steps 3 and 4.
#include "08_paged_kv_cache/paged_cache.hpp"

#include "common/panels.hpp"  // two cores: for_each_panel

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace gpt2 {

int blocks_for(int tokens, int block_size) { return (tokens + block_size - 1) / block_size; }

// [listing:ch08_reserve]
bool reserve_blocks(PagedSequence& sequence, BlockPool& pool, int tokens) {
    // [exercise:reserve_blocks] see chapters/08_paged_kv_cache/README.md, step 3
    const int S = pool.block_size(), length = sequence.length();
    const int have = static_cast<int>(sequence.table.size());
    const int need = blocks_for(length + tokens, S) - have;  // blocks to add at the end
    // The block the next token goes into, if the table has it already and others share it:
    // writing into it would change their tokens — so this sequence gets its own copy first.
    const bool copy_on_write = length % S != 0 && pool.references(sequence.table[length / S]) > 1;
    if (pool.free_count() < std::max(0, need) + (copy_on_write ? 1 : 0)) return false;  // change nothing
    if (copy_on_write) {
        const int shared = sequence.table[length / S], own = pool.allocate();
        pool.copy_block(shared, own, length % S);  // the filled slots; the rest is about to be written
        pool.release(shared);
        sequence.table[length / S] = own;
    }
    for (int j = 0; j < need; ++j) sequence.table.push_back(pool.allocate());
    return true;
    // [/exercise]
}
// [/listing]

PagedSequence share_all(const PagedSequence& sequence, BlockPool& pool) {
    for (int block : sequence.table) pool.share(block);
    return sequence;
}

void release_all(PagedSequence& sequence, BlockPool& pool) {
    for (int block : sequence.table) pool.release(block);
    sequence.table.clear();
    std::fill(sequence.lengths.begin(), sequence.lengths.end(), 0);
}

void store_prefill(const KVCache& prefill, int tokens, PagedSequence& sequence, BlockPool& pool) {
    const int S = pool.block_size();
    if (sequence.lengths.empty()) sequence.lengths.assign(prefill.n_layer(), 0);
    if (sequence.length() != 0 || static_cast<int>(sequence.table.size()) < blocks_for(tokens, S))
        throw std::logic_error("store_prefill: the sequence must be empty, with blocks reserved for its prompt");
    for (int l = 0; l < prefill.n_layer(); ++l) {
        for (int p = 0; p < tokens; ++p) {  // position p → its block's slot, through the table
            const arma::uword column = static_cast<arma::uword>(sequence.table[p / S]) * S + p % S;
            pool.keys(l).col(column) = prefill.keys(l).col(p);
            pool.values(l).col(column) = prefill.values(l).col(p);
        }
        sequence.lengths[l] = tokens;
    }
}

PagedCaches::PagedCaches(const Gpt2Config& config, BlockPool& pool)
    : config_(config), pool_(pool), scores_(static_cast<std::size_t>(config.n_head) * config.n_positions) {}

// [listing:ch08_append]
void PagedCaches::append(int layer, int i, const arma::subview<float>& k_new, const arma::subview<float>& v_new) {
    // [exercise:block_table_write] see chapters/08_paged_kv_cache/README.md, step 4
    PagedSequence& sequence = *(*sequences_)[i];
    const int S = pool_.block_size(), position = sequence.lengths[layer];
    const int block = sequence.table.at(position / S);  // reserve_blocks made it this sequence's own
    const arma::uword column = static_cast<arma::uword>(block) * S + position % S;
    pool_.keys(layer).col(column) = k_new;  // (n_embd)
    pool_.values(layer).col(column) = v_new;
    sequence.lengths[layer] = position + 1;
    // [/exercise]
}
// [/listing]

void PagedCaches::attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& /*scratch*/) const {
    const PagedSequence& sequence = *(*sequences_)[i];
    paged_attention(query.memptr(), sequence.table, sequence.lengths[layer], pool_.keys(layer), pool_.values(layer),
                    pool_.block_size(), config_.n_head, scores_.data(), out.memptr());
}

namespace {

// q·k over one head (d floats): eight running sums the compiler keeps in one vector register.
inline float dot(const float* q, const float* k, int d) {
    float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int i = 0;
    for (; i + 8 <= d; i += 8)
        for (int j = 0; j < 8; ++j) sum[j] += q[i + j] * k[i + j];
    float total = ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
    for (; i < d; ++i) total += q[i] * k[i];
    return total;
}

}  // namespace

// [listing:ch08_paged_attention]
void paged_attention(const float* q, const std::vector<int>& table, int n_keys, const arma::fmat& K,
                     const arma::fmat& V, int block_size, int n_head, float* scores, float* out) {
    const int n = static_cast<int>(K.n_rows), d = n / n_head;
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    const int n_blocks = (n_keys + block_size - 1) / block_size;
    // Calls visit(t, column) for every stored position t, block by block through the table.
    auto for_each_position = [&](auto&& visit) {
        for (int b = 0; b < n_blocks; ++b) {
            const arma::uword first_column = static_cast<arma::uword>(table[b]) * block_size;
            const int slots = std::min(block_size, n_keys - b * block_size);  // the last block may be partly filled
            for (int slot = 0; slot < slots; ++slot) visit(b * block_size + slot, first_column + slot);
        }
    };
    // Two cores take half of the heads each when the cache is long enough to be worth it.
    const int panels = 2, heads_per_panel = (n_head + panels - 1) / panels;
    const bool two_threads = worth_two_threads(2ull * n_keys * n * sizeof(float));  // K and V read
    for_each_panel(panels, [&](int p) {
        const int h0 = p * heads_per_panel, h1 = std::min(n_head, h0 + heads_per_panel);
        // Scores: each stored key is read once for this panel's heads (scores[h·n_keys + t]).
        for_each_position([&](int t, arma::uword column) {
            const float* k = K.colptr(column);
            for (int h = h0; h < h1; ++h) scores[h * n_keys + t] = dot(q + h * d, k + h * d, d) * scale;
        });
        // Softmax of each head's scores (all positions are in the past: no mask is needed).
        for (int h = h0; h < h1; ++h) {
            float* s = scores + h * n_keys;
            const float max = *std::max_element(s, s + n_keys);
            float sum = 0;
            for (int t = 0; t < n_keys; ++t) sum += (s[t] = std::exp(s[t] - max));
            for (int t = 0; t < n_keys; ++t) s[t] /= sum;
        }
        // Output: the weighted sum of the value columns, each read once, through the same table.
        std::fill(out + h0 * d, out + h1 * d, 0.0f);
        for_each_position([&](int t, arma::uword column) {
            const float* v = V.colptr(column);
            for (int h = h0; h < h1; ++h) {
                const float weight = scores[h * n_keys + t];
                for (int i = 0; i < d; ++i) out[h * d + i] += weight * v[h * d + i];
            }
        });
    }, two_threads);
}
// [/listing]

}  // namespace gpt2
