// decode_step_batched.hpp — the definition of batched_step.hpp's decode_step_batched (chapter
// 07, step 3). A template over the weights: compiled for chapter 03's float32 Gpt2Weights in
// batched_step.cpp and for chapter 09's bfloat16 weights there; everything else calls it
// through batched_step.hpp.
#pragma once

#include "03_forward_pass/block_pieces.hpp"   // the block pieces' definitions (chapter 03)
#include "07_batched_decoding/batched_step.hpp"

namespace gpt2 {

// [listing:decode_step_batched]
template <class Weights>
void decode_step_batched(const Weights& weights, const std::vector<int>& tokens, BatchCaches& caches,
                         ForwardBuffers& b, arma::fmat& logits) {
    // [exercise:batched_step] see chapters/07_batched_decoding/README.md, step 3
    const Gpt2Config& config = weights.config;
    const arma::uword B = tokens.size(), n = config.n_embd;
    if (B == 0 || caches.size() != static_cast<int>(B))
        throw std::logic_error("decode_step_batched: " + std::to_string(B) + " tokens for " +
                               std::to_string(caches.size()) + " sequences");
    use_columns(b, B);  // (·, B) views of buffers sized once, for the largest batch

    // Embed: column i is token i at ITS sequence's next position (the sequences are ragged).
    for (arma::uword i = 0; i < B; ++i) {
        const int position = caches.length(static_cast<int>(i));
        check_token(config, tokens[i], position);  // a bad id or a full window is an error, not a wild read
        token_embedding(weights, tokens[i], b.x.colptr(i));  // (n_embd)
        b.x.col(i) += weights.wpe.col(position);
    }
    for (int l = 0; l < config.n_layer; ++l) {
        const auto& layer = weights.layers[l];  // (the weights' own layer type)
        project_qkv(layer, config, b);  // 1. q, k, v of all B tokens: ONE gemm, (3n, n)·(n, B)
        for (arma::uword i = 0; i < B; ++i) {
            // Column i of qkv and of attn, as matrices over the buffers' own memory (no copy).
            const arma::fmat query(b.qkv.colptr(i), 3 * n, 1, /*copy_aux_mem=*/false, /*strict=*/true);
            arma::fmat out(b.attn.colptr(i), n, 1, false, true);
            // 2. store token i's k, v in sequence i's own cache, at that sequence's length ...
            caches.append(l, static_cast<int>(i), new_keys(b).cols(i, i), new_values(b).cols(i, i));
            // 3. ... and let its query attend over that sequence's keys and values only.
            caches.attend(l, static_cast<int>(i), query, out, b.scores);
        }
        add_attention_output(layer, b);  // x += W_proj·attn + bias: ONE gemm for all B
        mlp(layer, config, b);           // ONE gemm each for fc and proj, over all B
    }
    every_logits(weights, b, logits);  // (vocab, B): the output projection, ONE gemm
    // [/exercise]
}
// [/listing]

}  // namespace gpt2
