// bf16_block.cpp — chapters 03, 05 and 07's templates, compiled for bfloat16 weights: the same
// block pieces, the same prefill and the same decode step, with every weight product reading
// bfloat16 (bf16_weights.hpp's linear, token_embedding and output_logits).
#include "09_fewer_bytes/bf16_weights.hpp"

#include "05_cached_decode/forward_cached.hpp"          // forward_cached's definition (chapter 05)
#include "07_batched_decoding/decode_step_batched.hpp"  // decode_step_batched's definition (chapter 07)

namespace gpt2 {

template void forward_cached<Bf16Weights>(const Bf16Weights&, const std::vector<int>&, KVCache&, ForwardBuffers&,
                                          arma::fvec&);
template void decode_step_batched<Bf16Weights>(const Bf16Weights&, const std::vector<int>&, BatchCaches&,
                                               ForwardBuffers&, arma::fmat&);

}  // namespace gpt2
