// format_model.cpp — the decoder of chapter 09: chapter 05's prefill and chapter 07's step,
// with weights and cache in the chosen formats. README step 5.
#include "09_fewer_bytes/format_model.hpp"

#include "05_cached_decode/cached_decode.hpp"    // forward_cached (chapter 05)
#include "07_batched_decoding/batched_step.hpp"  // decode_step_batched, ContiguousCaches (chapter 07)
#include "common/errors.hpp"

#include <algorithm>
#include <stdexcept>

namespace gpt2 {

FormatModel load_format_model(const std::string& model_arg, DType weights) {
    FormatModel model;
    model.weights = weights;
    if (weights == DType::fp32) model.fp32.emplace(load_gpt2(model_arg));
    else if (weights == DType::bf16) model.bf16.emplace(load_bf16(model_arg));
    else throw UserError("--weights " + dtype_name(weights) + ": weights come in fp32 or bf16");
    return model;
}

FormatModel format_model_of(const Gpt2Weights& weights, DType format) {
    FormatModel model;
    model.weights = format;
    if (format == DType::fp32) model.fp32.emplace(weights);
    else if (format == DType::bf16) model.bf16.emplace(to_bf16_weights(weights));
    else throw UserError("--weights " + dtype_name(format) + ": weights come in fp32 or bf16");
    return model;
}

FormatDecoder::FormatDecoder(const FormatModel& model, DType kv, int max_prompt_tokens)
    // The float32 scratch cache is the whole cache for fp32; for a narrow format it only holds
    // the prompt on its way into the narrow cache, so it is sized for the prompt alone.
    : model_(model), kv_(kv),
      scratch_(model.config(), kv == DType::fp32 ? model.config().n_positions : std::max(1, max_prompt_tokens)) {
    const Gpt2Config& config = model.config();
    if (kv == DType::fp32) {
        contiguous_ = {&scratch_};
        caches_ = std::make_unique<ContiguousCaches>(config, contiguous_);
    } else {
        narrow_.emplace(config, kv);
        quantized_ = {&*narrow_};
        caches_ = std::make_unique<QuantizedCaches>(config, quantized_);
    }
    prefill_buffers_ = make_forward_buffers(config, max_prompt_tokens);
    step_buffers_ = make_forward_buffers(config, 1);
    token_.assign(1, 0);
    step_logits_.set_size(config.vocab_size, 1);
}

void FormatDecoder::reset() {
    scratch_.reset();
    if (narrow_) narrow_->reset();
}

int FormatDecoder::length() const { return narrow_ ? narrow_->length() : scratch_.length(); }

std::uint64_t FormatDecoder::cache_bytes() const { return narrow_ ? narrow_->bytes() : scratch_.bytes(); }

std::uint64_t FormatDecoder::cache_bytes_per_token() const {
    return QuantizedKVCache::bytes_per_token(model_.config(), kv_);
}

// [listing:ch09_next_logits]
void FormatDecoder::next_logits(const std::vector<int>& sequence, int n_new, arma::fvec& logits) {
    if (length() == 0) {
        // The prompt: chapter 05's prefill in float32 (its k, v computed together in one
        // matrix), then stored in the cache's format.
        const std::vector<int> prompt(sequence.end() - n_new, sequence.end());
        if (model_.fp32) forward_cached(*model_.fp32, prompt, scratch_, *prefill_buffers_, logits);
        else forward_cached(*model_.bf16, prompt, scratch_, *prefill_buffers_, logits);
        if (narrow_) narrow_->store(scratch_, static_cast<int>(prompt.size()));
        return;
    }
    if (n_new != 1 || length() != static_cast<int>(sequence.size()) - 1)
        throw std::logic_error("FormatDecoder: after the prefill, one new token per step");
    // A step: chapter 07's batched step with this one sequence, reading the weights and the
    // cache in their formats.
    token_[0] = sequence.back();
    if (model_.fp32) decode_step_batched(*model_.fp32, token_, *caches_, *step_buffers_, step_logits_);
    else decode_step_batched(*model_.bf16, token_, *caches_, *step_buffers_, step_logits_);
    logits = step_logits_.col(0);  // (vocab)
}
// [/listing]

Generation generate_with_formats(const FormatModel& model, DType kv, const std::vector<int>& prompt,
                                 const GenerationOptions& options) {
    FormatDecoder decoder(model, kv, static_cast<int>(prompt.size()));
    const NextLogitsFn next = [&](const std::vector<int>& sequence, int n_new, arma::fvec& logits) {
        decoder.next_logits(sequence, n_new, logits);
    };
    return generate(prompt, model.config().n_positions, options, next);
}

}  // namespace gpt2
