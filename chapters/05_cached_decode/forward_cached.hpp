// forward_cached.hpp — the definition of cached_decode.hpp's forward_cached (chapter 05, step 3).
// A template over the weights: compiled for chapter 03's float32 Gpt2Weights in
// cached_decode.cpp and for chapter 09's bfloat16 weights there; everything else calls it
// through cached_decode.hpp.
#pragma once

#include "03_forward_pass/block_pieces.hpp"   // the block pieces' definitions (chapter 03)
#include "05_cached_decode/cached_decode.hpp"

namespace gpt2 {

// [listing:forward_cached]
template <class Weights>
void forward_cached(const Weights& weights, const std::vector<int>& ids, KVCache& cache,
                    ForwardBuffers& buffers, arma::fvec& logits) {
    // [exercise:cached_forward] see chapters/05_cached_decode/README.md, step 3
    const Gpt2Config& config = weights.config;
    const int start = cache.length();  // the position offset: the new tokens come after everything cached
    check_ids(config, ids, start);
    use_columns(buffers, ids.size());
    embed(weights, ids, start, buffers.x);  // positions start, start + 1, ... — not 0, 1, ...
    for (int l = 0; l < config.n_layer; ++l) {
        const auto& layer = weights.layers[l];  // (the weights' own layer type)
        project_qkv(layer, config, buffers);                                 // 1. q, k, v of the new tokens
        cache.append(l, new_keys(buffers), new_values(buffers));             // 2. store k, v in the cache
        attend_stored(layer, config, start, cache.keys(l), cache.values(l), buffers);  // 3. attend over it all
        mlp(layer, config, buffers);
    }
    last_logits(weights, buffers, logits);
    // [/exercise]
}
// [/listing]

}  // namespace gpt2
