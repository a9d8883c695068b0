// format_model.hpp — chapter 09's model and decoder: weights in float32 or bfloat16, a KV cache
// in float32, float16, bfloat16 or int8 — and everything else exactly as chapters 03–07 do it.
//
//   FormatModel     the weights, in one of the two formats (only that one is held)
//   FormatDecoder   one sequence: the prompt through chapter 05's forward_cached (into a float32
//                   scratch cache, then stored in the cache's format), then one token per step
//                   through chapter 07's batched step with this sequence alone — reading the
//                   weights and the cache in their formats
#pragma once

#include "04_naive_decode/generate.hpp"           // generate(), GenerationOptions (chapter 04)
#include "05_cached_decode/kv_cache.hpp"
#include "09_fewer_bytes/bf16_weights.hpp"
#include "09_fewer_bytes/number_formats.hpp"
#include "09_fewer_bytes/quantized_cache.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpt2 {

struct FormatModel {
    DType weights = DType::fp32;  // fp32 or bf16
    std::optional<Gpt2Weights> fp32;            // set when weights == fp32
    std::optional<Bf16Weights> bf16;            // set when weights == bf16
    const Gpt2Config& config() const { return fp32 ? fp32->config : bf16->config; }
    const std::string& source() const { return fp32 ? fp32->source : bf16->source; }
    bool is_random() const { return fp32 ? fp32->is_random : bf16->is_random; }
    std::uint64_t bytes() const { return fp32 ? fp32->bytes() : bf16->bytes(); }
};

// Loads the model in `weights` format (fp32 or bf16; anything else is a UserError): bf16 is
// converted tensor by tensor while loading (load_bf16), never held in float32.
FormatModel load_format_model(const std::string& model_arg, DType weights);
// The same from float32 weights in memory (tests): bf16 converts them.
FormatModel format_model_of(const Gpt2Weights& weights, DType format);

// One sequence's decoding with a cache in `kv` format.
class FormatDecoder {
public:
    FormatDecoder(const FormatModel& model, DType kv, int max_prompt_tokens);
    // chapter 04's NextLogitsFn: the first call prefills `sequence`, every later one feeds its
    // newest token (n_new = 1).
    void next_logits(const std::vector<int>& sequence, int n_new, arma::fvec& logits);
    void reset();
    int length() const;                       // tokens in the cache
    std::uint64_t cache_bytes() const;        // allocated
    std::uint64_t cache_bytes_per_token() const;

private:
    const FormatModel& model_;
    DType kv_;
    KVCache scratch_;                              // float32: the prompt (and, for fp32, the whole cache)
    std::optional<QuantizedKVCache> narrow_;       // fp16 / bf16 / int8
    std::vector<KVCache*> contiguous_;             // {&scratch_} for chapter 07's ContiguousCaches
    std::vector<QuantizedKVCache*> quantized_;     // {&*narrow_}
    std::unique_ptr<BatchCaches> caches_;
    std::unique_ptr<ForwardBuffers> prefill_buffers_, step_buffers_;
    std::vector<int> token_;                       // the step's one token
    arma::fmat step_logits_;                       // (vocab, 1)
};

// Chapter 04's generate() with these formats.
Generation generate_with_formats(const FormatModel& model, DType kv, const std::vector<int>& prompt,
                                 const GenerationOptions& options);

}  // namespace gpt2
