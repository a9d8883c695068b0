// panels.hpp — one matrix product's rows on two cores, for the products this project writes
// itself (a few columns in chapter 03's weight_product, attention through a block table in
// chapter 08, bfloat16 weights in chapter 09).
//
// The rows are cut into panels; the calling thread and one long-lived helper thread take
// panels in turn until none is left. A helper that starts late (its core busy elsewhere)
// simply takes fewer; nobody waits for it to begin. Waking the helper costs microseconds,
// starting a thread for each of the ~50 products of a GPT-2 step would cost more than the
// smaller ones take.
#pragma once

#include <cstdint>
#include <functional>

namespace gpt2 {

// Calls work(p) once for every p in [0, n_panels), on this thread and, when `two_threads`,
// the helper too (if another product has it, this one goes alone). Returns when all are done.
void for_each_panel(int n_panels, const std::function<void(int panel)>& work, bool two_threads);

// Whether a product reading `bytes` is worth the helper thread: below 256 KB it takes some tens
// of microseconds, about what waking a sleeping thread can take, so the caller goes alone.
inline bool worth_two_threads(std::uint64_t bytes) { return bytes >= 256 * 1024; }

// 1 or 2: the threads for_each_panel may use (2 by default on a machine with 2 cores or more).
void set_panel_threads(int threads);
int panel_threads();

}  // namespace gpt2
