// forward.cpp — GPT-2's forward pass. Read it top to bottom with
// chapters/03_forward_pass/README.md: the banner sections are the lesson's steps.
#include "03_forward_pass/forward.hpp"

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

// [listing:embed]
void embed(const Gpt2Weights& w, const std::vector<int>& ids, int start, arma::fmat& x) {
    // x (n_embd, T): column j = token ids[j]'s embedding + the embedding of its position.
    for (arma::uword j = 0; j < ids.size(); ++j) x.col(j) = w.wte.col(ids[j]) + w.wpe.col(start + j);
}
// [/listing]

// --- Step 4: one transformer block, in pieces ----------------------------------------------------

// [listing:block_pieces]
// 1. Project: the new tokens' queries, keys and values, from the LayerNorm of the residual stream.
void project_qkv(const LayerWeights& w, const Gpt2Config& config, ForwardBuffers& b) {
    layer_norm(b.x, w.ln_1_weight, w.ln_1_bias, config.layer_norm_epsilon, b.h);  // (n, T)
    b.qkv = w.attn_qkv_weight * b.h;  // (3n, T): gemm for a prompt, gemv for one token
    b.qkv.each_col() += w.attn_qkv_bias;
}

// 3. Attend over everything stored, then project back into the residual stream.
void attend_stored(const LayerWeights& w, const Gpt2Config& config, int start, const arma::fmat& K,
                   const arma::fmat& V, ForwardBuffers& b) {
    causal_attention_heads(b.qkv, config.n_embd, config.n_head, start, K, V, b.scores, b.attn);  // (n, T)
    b.proj = w.attn_proj_weight * b.attn;  // (n, T)
    b.proj.each_col() += w.attn_proj_bias;
    b.x += b.proj;  // the residual connection
}

// The MLP sub-block: x += proj(gelu(fc(ln_2(x))))
void mlp(const LayerWeights& w, const Gpt2Config& config, ForwardBuffers& b) {
    layer_norm(b.x, w.ln_2_weight, w.ln_2_bias, config.layer_norm_epsilon, b.h);  // (n, T)
    b.fc = w.mlp_fc_weight * b.h;  // (4n, T)
    b.fc.each_col() += w.mlp_fc_bias;
    gelu_in_place(b.fc);
    b.proj = w.mlp_proj_weight * b.fc;  // (n, T)
    b.proj.each_col() += w.mlp_proj_bias;
    b.x += b.proj;
}
// [/listing]

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

// [listing:last_logits]
// Final LayerNorm of the last column and its logits: only one column goes through the
// (vocab × n_embd) output projection, the largest matrix of the model.
void last_logits(const Gpt2Weights& weights, ForwardBuffers& b, arma::fvec& logits) {
    b.last = b.x.col(b.x.n_cols - 1);  // (n_embd): same size every time, no allocation
    layer_norm(b.last, weights.ln_f_weight, weights.ln_f_bias, weights.config.layer_norm_epsilon, b.last);
    logits = weights.output_embedding().t() * b.last;  // (vocab): gemv with the transposed matrix, no copy
}
// [/listing]

// --- Steps 6–7: the whole model, all positions or only the last ---------------------------------

// [listing:forward]
arma::fmat forward(const Gpt2Weights& weights, const std::vector<int>& ids, const TraceFn* trace) {
    check_ids(weights.config, ids, 0);
    std::unique_ptr<ForwardBuffers> b = make_forward_buffers(weights.config, static_cast<int>(ids.size()));
    run_uncached(weights, ids, *b, trace);
    layer_norm(b->x, weights.ln_f_weight, weights.ln_f_bias, weights.config.layer_norm_epsilon, b->h);  // (n, T)
    trace_stage(trace, "ln_f", b->h);
    arma::fmat logits = weights.output_embedding().t() * b->h;  // (vocab, T) = wteᵀ·h, one gemm
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


}  // namespace gpt2
