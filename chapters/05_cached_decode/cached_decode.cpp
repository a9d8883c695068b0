#include "05_cached_decode/cached_decode.hpp"

#include "05_cached_decode/forward_cached.hpp"  // its definition, compiled here for float32

#include "common/errors.hpp"
#include "common/report.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace gpt2 {

// forward_cached (forward_cached.hpp), for chapter 03's float32 weights.
template void forward_cached<Gpt2Weights>(const Gpt2Weights&, const std::vector<int>&, KVCache&, ForwardBuffers&,
                                          arma::fvec&);

// [listing:cached_step]
void cached_next_logits(const Gpt2Weights& weights, const std::vector<int>& sequence, int n_new, KVCache& cache,
                        ForwardBuffers& buffers, std::vector<int>& new_ids, arma::fvec& logits) {
    // The cache must hold exactly the tokens before the new ones: their keys and values are
    // what the new tokens attend over. (A stale cache would silently mix two sequences.)
    if (cache.length() != static_cast<int>(sequence.size()) - n_new)
        throw std::logic_error(format("the KV cache holds %d tokens but the sequence has %zu, %d of them new",
                                      cache.length(), sequence.size(), n_new));
    // Feed only the new tokens (the whole prompt at prefill, then the one just sampled):
    // forward_cached appends their K, V to the cache and attends over every cached column.
    new_ids.assign(sequence.end() - n_new, sequence.end());
    forward_cached(weights, new_ids, cache, buffers, logits);
}
// [/listing]

Generation generate_cached(const Gpt2Weights& weights, const std::vector<int>& prompt,
                           const GenerationOptions& options, KVCache& cache, const TokenFn& on_token) {
    if (cache.length() != 0)
        throw std::logic_error("generate_cached: the KV cache still holds a previous sequence; call reset() first");
    const int window = std::min(weights.config.n_positions, cache.capacity());
    check_prompt_fits(prompt, window);  // before allocating anything
    // Allocated once, before the loop: the buffers for the largest chunk (the prompt).
    std::unique_ptr<ForwardBuffers> buffers = make_forward_buffers(weights.config, static_cast<int>(prompt.size()));
    std::vector<int> new_ids;
    new_ids.reserve(prompt.size());
    NextLogitsFn cached_forward = [&](const std::vector<int>& sequence, int n_new, arma::fvec& logits) {
        cached_next_logits(weights, sequence, n_new, cache, *buffers, new_ids, logits);
    };
    return generate(prompt, window, options, cached_forward, on_token);
}

}  // namespace gpt2
