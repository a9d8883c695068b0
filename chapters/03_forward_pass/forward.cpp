// forward.cpp — GPT-2's forward pass. Read it top to bottom with
// chapters/03_forward_pass/README.md: the banner sections are the lesson's steps.
#include "03_forward_pass/forward.hpp"

#include "03_forward_pass/block_pieces.hpp"  // the block pieces' definitions, compiled here for float32

#include "02_attention/attention.hpp"
#include "common/errors.hpp"

#include <cmath>
#include <string>

namespace gpt2 {

// --- Step 3: LayerNorm -----------------------------------------------------------------------

// [listing:layer_norm]
void layer_norm(const arma::fmat& x, const arma::fvec& weight, const arma::fvec& bias, float eps,
                arma::fmat& out) {
    // [exercise:layer_norm] see chapters/03_forward_pass/README.md, step 3
    const arma::uword n = x.n_rows;
    out.set_size(n, x.n_cols);  // (n_embd, T); may be x itself: each column is read before it is written
    for (arma::uword j = 0; j < x.n_cols; ++j) {
        const float* in = x.colptr(j);
        float* y = out.colptr(j);
        double sum = 0.0;  // double: 768 floats summed in float would lose ~4 digits
        for (arma::uword i = 0; i < n; ++i) sum += in[i];
        const double mean = sum / n;
        double squares = 0.0;
        for (arma::uword i = 0; i < n; ++i) squares += (in[i] - mean) * (in[i] - mean);
        const double variance = squares / n;  // biased (divide by n, not n − 1), as GPT-2 does
        const float inv_std = static_cast<float>(1.0 / std::sqrt(variance + eps));
        const float m = static_cast<float>(mean);
        for (arma::uword i = 0; i < n; ++i) y[i] = (in[i] - m) * inv_std * weight[i] + bias[i];
    }
    // [/exercise]
}
// [/listing]

// --- Step 5: the MLP's non-linearity -----------------------------------------------------------

// [listing:gelu]
void gelu_in_place(arma::fmat& x) {
    // GPT-2 was trained with the tanh approximation; the exact erf form differs by up to ~5e-4.
    // 0.5·(1 + tanh(z)) = 1 / (1 + exp(−2z)): the same function with one exp instead of a
    // tanh, which is ~4× faster here (README step 5). Large |z| is safe: exp → ∞ gives 0.
    const float two_c = 2.0f * std::sqrt(2.0f / static_cast<float>(M_PI));
    float* v = x.memptr();
    for (arma::uword i = 0; i < x.n_elem; ++i) {
        const float u = v[i];
        v[i] = u / (1.0f + std::exp(-two_c * (u + 0.044715f * u * u * u)));
    }
}
// [/listing]

// --- Buffers: allocated once, reused by every pass ---------------------------------------------

std::unique_ptr<ForwardBuffers> make_forward_buffers(const Gpt2Config& config, int max_tokens) {
    if (max_tokens < 1) max_tokens = 1;
    if (max_tokens > config.n_positions) max_tokens = config.n_positions;
    auto buffers = std::make_unique<ForwardBuffers>();
    const arma::uword n = config.n_embd, T = max_tokens;
    buffers->max_tokens = max_tokens;
    buffers->x.set_size(n, T);
    buffers->h.set_size(n, T);
    buffers->qkv.set_size(3 * n, T);
    buffers->attn.set_size(n, T);
    buffers->proj.set_size(n, T);
    buffers->fc.set_size(4 * n, T);
    buffers->scores.set_size(config.n_positions, T);
    buffers->last.set_size(n);
    return buffers;
}

// Shrinking keeps the memory; only a pass longer than the buffers were made for allocates (a
// prefill, never a one-token step).
void use_columns(ForwardBuffers& b, arma::uword T) {
    const arma::uword n = b.x.n_rows;
    b.x.set_size(n, T);
    b.h.set_size(n, T);
    b.qkv.set_size(3 * n, T);
    b.attn.set_size(n, T);
    b.proj.set_size(n, T);
    b.fc.set_size(4 * n, T);
    if (T > static_cast<arma::uword>(b.max_tokens)) b.max_tokens = static_cast<int>(T);
}

void check_ids(const Gpt2Config& config, const std::vector<int>& ids, int start) {
    if (ids.empty()) throw UserError("the prompt is empty: the model needs at least one token");
    const long long end = static_cast<long long>(start) + static_cast<long long>(ids.size());
    if (end > config.n_positions)
        throw UserError("the sequence would be " + std::to_string(end) + " tokens, longer than the model's " +
                        std::to_string(config.n_positions) + "-token context window; shorten the prompt");
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= config.vocab_size)
            throw UserError("token " + std::to_string(i) + " has id " + std::to_string(ids[i]) +
                            ", outside the vocabulary [0, " + std::to_string(config.vocab_size) + ")");
}

// --- Step 2: token + position embeddings --------------------------------------------------------

// (embed: a template in forward.hpp, over the weights' number format)

// --- Step 4: one transformer block, in pieces ----------------------------------------------------

// (the block pieces — project_qkv, attend_stored, add_attention_output, mlp — are templates in
// forward.hpp, over the weights' number format)

namespace {

void trace_stage(const TraceFn* trace, const std::string& stage, const arma::fmat& value) {
    if (trace) (*trace)(stage, value);
}

// [listing:block]
// One block over the T tokens in b.x (n_embd, T), in place, without a cache: the keys and
// values are stored in K and V (n_embd, T), fresh for this pass, so the tokens attend only to
// each other (under the causal mask). Chapter 05's cached forward runs the same three moves
// with its KV cache in place of K and V.
void block(const LayerWeights& w, const Gpt2Config& config, arma::fmat& K, arma::fmat& V, ForwardBuffers& b,
           const TraceFn* trace, const std::string& name) {
    project_qkv(w, config, b);       // 1. q, k, v of the T tokens          (3n, T)
    K = new_keys(b);                 // 2. store k, v: here, for this pass only (n, T)
    V = new_values(b);
    attend_stored(w, config, 0, K, V, b);  // 3. attend over everything stored; x += proj(·)
    if (trace) {
        trace_stage(trace, name + ".ln_1", b.h);
        trace_stage(trace, name + ".attn.qkv", b.qkv);
        trace_stage(trace, name + ".attn.heads", b.attn);
        trace_stage(trace, name + ".attn.proj", b.proj);
        trace_stage(trace, name + ".residual_1", b.x);
    }
    mlp(w, config, b);               // x += mlp(ln_2(x))
    if (trace) {
        trace_stage(trace, name + ".ln_2", b.h);
        trace_stage(trace, name + ".mlp.fc_gelu", b.fc);
        trace_stage(trace, name + ".mlp.proj", b.proj);
        trace_stage(trace, name + ".residual_2", b.x);
    }
}
// [/listing]

// Embeds ids and runs every block with fresh K, V (no cache): the residual stream ends in b.x.
void run_uncached(const Gpt2Weights& weights, const std::vector<int>& ids, ForwardBuffers& b, const TraceFn* trace) {
    const Gpt2Config& config = weights.config;
    const arma::uword T = ids.size();
    use_columns(b, T);
    embed(weights, ids, 0, b.x);
    trace_stage(trace, "embed", b.x);
    arma::fmat K(config.n_embd, T), V(config.n_embd, T);  // (n_embd, T), reused by every layer
    for (int l = 0; l < config.n_layer; ++l)
        block(weights.layers[l], config, K, V, b, trace, trace ? "h" + std::to_string(l) : std::string());
}

}  // namespace

// (last_logits, every_logits: templates in forward.hpp)

// --- Steps 6–7: the whole model, all positions or only the last ---------------------------------

// [listing:forward]
arma::fmat forward(const Gpt2Weights& weights, const std::vector<int>& ids, const TraceFn* trace) {
    check_ids(weights.config, ids, 0);
    std::unique_ptr<ForwardBuffers> b = make_forward_buffers(weights.config, static_cast<int>(ids.size()));
    run_uncached(weights, ids, *b, trace);
    arma::fmat logits;
    every_logits(weights, *b, logits);  // ln_f into b->h, then (vocab, T) = wteᵀ·h, one gemm
    trace_stage(trace, "ln_f", b->h);
    trace_stage(trace, "logits", logits);
    return logits;
}
// [/listing]

arma::fvec forward_last(const Gpt2Weights& weights, const std::vector<int>& ids) {
    check_ids(weights.config, ids, 0);
    std::unique_ptr<ForwardBuffers> b = make_forward_buffers(weights.config, static_cast<int>(ids.size()));
    run_uncached(weights, ids, *b, nullptr);
    arma::fvec logits;
    last_logits(weights, *b, logits);
    return logits;
}


// The block pieces for chapter 03's float32 weights (chapter 09 compiles them for bfloat16).
template void embed<Gpt2Weights>(const Gpt2Weights&, const std::vector<int>&, int, arma::fmat&);
template void project_qkv<LayerWeights>(const LayerWeights&, const Gpt2Config&, ForwardBuffers&);
template void attend_stored<LayerWeights>(const LayerWeights&, const Gpt2Config&, int, const arma::fmat&,
                                          const arma::fmat&, ForwardBuffers&);
template void add_attention_output<LayerWeights>(const LayerWeights&, ForwardBuffers&);
template void mlp<LayerWeights>(const LayerWeights&, const Gpt2Config&, ForwardBuffers&);
template void last_logits<Gpt2Weights>(const Gpt2Weights&, ForwardBuffers&, arma::fvec&);
template void every_logits<Gpt2Weights>(const Gpt2Weights&, ForwardBuffers&, arma::fmat&);

}  // namespace gpt2
