// paged_server.hpp — serving requests from a fixed pool of blocks (chapter 08, steps 5–6).
//
// Sequences take blocks as they grow and give them back when they finish, so the pool's
// budget (--cache-mib) — not a reservation per request — bounds how many run at once. A
// request with --samples K runs as K sequences that share its prompt's blocks. Two admission
// rules, on the same engine:
//   OnDemand  a waiting request joins when the free blocks hold its prompt plus one block per
//             sequence; when a running sequence needs a block and none is free, the youngest
//             running sequence is preempted — its blocks freed, and recomputed later from its
//             tokens (vLLM's default for single sequences);
//   Reserve   what a contiguous cache must do: a request joins only when its FULL length
//             (prompt + max_new_tokens, within the window) fits beside every running
//             sequence's full length — no preemption ever, and no sharing.
#pragma once

#include "07_batched_decoding/requests.hpp"    // Request (chapter 07)
#include "07_batched_decoding/scheduler.hpp"   // RequestResult, ServeResult (chapter 07)
#include "03_forward_pass/gpt2_weights.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace gpt2 {

enum class Admission { OnDemand, Reserve };
const char* admission_name(Admission admission);  // "paged" | "contiguous"

struct PagedOptions {
    int batch = 8;                         // running sequences at most
    int block_size = 16;                   // tokens per block
    std::uint64_t cache_bytes = 256ULL << 20;  // the pool: as many whole blocks as fit
    int samples = 1;                       // sequences per request, sharing its prompt's blocks
    Admission admission = Admission::OnDemand;
    SamplingSettings sampling;             // each sequence's seed: its request's seed + its sample number
    bool stop_at_end_of_text = true;
    bool capture_logits = false;
    std::uint64_t shuffle_free_list = 0;   // 0: blocks handed out in order; else shuffled with this seed
};

struct PagedRun {
    ServeResult served;                 // chapter 07's: one RequestResult per sequence, the timing
    std::vector<int> request_of, sample_of;  // per sequence
    // Blocks: the pool, and the most used / shared at once.
    int block_size = 0, total_blocks = 0, peak_used_blocks = 0, peak_shared_blocks = 0;
    std::uint64_t block_bytes = 0;
    // Memory, over every decode step: what a contiguous cache would reserve for the running
    // sequences (each its full length) against what the blocks hold; waste = the fraction of
    // reserved / allocated cache memory that holds no stored token.
    std::uint64_t contiguous_reserved_peak_bytes = 0, paged_peak_bytes = 0;
    double waste_contiguous = 0, waste_paged = 0;
    int peak_running = 0;
    double mean_running = 0;            // sequences per decode step
    int preemptions = 0;
    bool leak_free = false;             // every block free again at the end
};

// The pool's size in blocks for a budget, or a UserError saying why none fits.
int pool_blocks(const Gpt2Config& config, int block_size, std::uint64_t cache_bytes);

PagedRun serve_paged(const Gpt2Weights& weights, const std::vector<Request>& requests, const PagedOptions& options,
                     const std::function<void(long long tokens)>& on_progress = {});

}  // namespace gpt2
