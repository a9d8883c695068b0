// cached_decode.hpp — decoding with a KV cache (chapter 05): the prompt runs once (prefill)
// and fills the cache; every later step runs ONE token through the model and attends over
// the cache.
//
//   forward_cached()      chapter 03's block pieces, with KVCache::append between them
//   cached_next_logits()  feeds the cache only the tokens it has not seen
//   generate_cached()     chapter 04's generate() loop driven by cached_next_logits
#pragma once

#include "03_forward_pass/forward.hpp"     // embed, block pieces, ForwardBuffers (chapter 03)
#include "04_naive_decode/generate.hpp"    // generate(), GenerationOptions (chapter 04)
#include "05_cached_decode/kv_cache.hpp"

#include <armadillo>
#include <vector>

namespace gpt2 {

// Runs `ids` at positions [cache.length(), cache.length() + T): appends their K, V to the
// cache, attends over everything cached, and writes the last position's logits (vocab).
// A template over the weights (chapter 03's Gpt2Weights, or chapter 09's bfloat16 ones).
template <class Weights>
void forward_cached(const Weights& weights, const std::vector<int>& ids, KVCache& cache,
                    ForwardBuffers& buffers, arma::fvec& logits);  // defined in forward_cached.hpp


// One cached step (README step 3): feeds the cache only the `n_new` tokens at the end of
// `sequence` it has not seen, and writes the next-token logits (vocab). `new_ids` is a reused
// buffer.
void cached_next_logits(const Gpt2Weights& weights, const std::vector<int>& sequence, int n_new, KVCache& cache,
                        ForwardBuffers& buffers, std::vector<int>& new_ids, arma::fvec& logits);

// Prefill into `cache` (which must be empty: reset() it between generations), then one token
// per step. The window is the smaller of the model's and the cache's.
Generation generate_cached(const Gpt2Weights& weights, const std::vector<int>& prompt,
                           const GenerationOptions& options, KVCache& cache, const TokenFn& on_token = {});

}  // namespace gpt2
