// batched_step.cpp — one decode step for B sequences: read it with
// chapters/07_batched_decoding/README.md, step 3.
#include "07_batched_decoding/batched_step.hpp"

#include "07_batched_decoding/decode_step_batched.hpp"  // its definition, compiled here for float32

#include "02_attention/attention.hpp"  // causal_attention_heads (chapter 02)
#include "common/errors.hpp"

#include <stdexcept>
#include <string>

namespace gpt2 {

void check_token(const Gpt2Config& config, int token, int position) {
    if (token < 0 || token >= config.vocab_size)
        throw UserError("token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                        std::to_string(config.vocab_size) + ")");
    if (position >= config.n_positions)
        throw UserError("a sequence would pass the model's " + std::to_string(config.n_positions) +
                        "-token context window");
}

void ContiguousCaches::append(int layer, int i, const arma::subview<float>& k_new, const arma::subview<float>& v_new) {
    caches_[i]->append(layer, k_new, v_new);  // chapter 05's append, at this sequence's length
}

void ContiguousCaches::attend(int layer, int i, const arma::fmat& query, arma::fmat& out, arma::fmat& scratch) const {
    const KVCache& cache = *caches_[i];
    const int position = cache.length(layer) - 1;  // the new token's: after everything before it
    causal_attention_heads(query, config_.n_embd, config_.n_head, position, cache.keys(layer), cache.values(layer),
                           scratch, out);
}

// decode_step_batched (decode_step_batched.hpp), for chapter 03's float32 weights.
template void decode_step_batched<Gpt2Weights>(const Gpt2Weights&, const std::vector<int>&, BatchCaches&,
                                               ForwardBuffers&, arma::fmat&);

}  // namespace gpt2
