#include "04_naive_decode/cost_model.hpp"

#include "02_attention/attention.hpp"
#include "03_forward_pass/forward.hpp"
#include "03_forward_pass/weight_product.hpp"  // the products a forward runs (chapter 03)
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpt2 {

// [listing:cost_counts]
StepCost naive_step_cost(const Gpt2Config& config, int tokens) {
    // [exercise:naive_step_cost] see chapters/04_naive_decode/README.md, step 4
    const double d = config.n_embd, L = tokens, n = config.n_layer, V = config.vocab_size;
    StepCost cost;
    cost.matmul_flops = n * 2.0 * L * 12.0 * d * d;  // qkv 3d², proj d², fc 4d², mlp proj 4d²
    cost.attention_flops = n * 2.0 * 2.0 * L * L * d;  // KᵀQ and V·P over all heads (full L×L)
    cost.head_flops = 2.0 * d * V;                    // logits of the last position only
    cost.gelu_evals = n * 4.0 * d * L;
    cost.softmax_evals = n * config.n_head * L * (L + 1) / 2.0;  // query j sees j + 1 keys
    cost.layer_norm_evals = n * 2.0 * d * L;
    cost.weight_bytes = decode_weight_bytes(config);
    return cost;
    // [/exercise]
}

StepCost cached_step_cost(const Gpt2Config& config, int context) {
    const double d = config.n_embd, L = context, n = config.n_layer, V = config.vocab_size;
    StepCost cost;
    cost.matmul_flops = n * 2.0 * 12.0 * d * d;   // one column through every matrix
    cost.attention_flops = n * 2.0 * 2.0 * L * d;  // one query against L keys, L values
    cost.head_flops = 2.0 * d * V;
    cost.gelu_evals = n * 4.0 * d;
    cost.softmax_evals = n * config.n_head * L;
    cost.layer_norm_evals = n * 2.0 * d;
    cost.weight_bytes = decode_weight_bytes(config);
    cost.cache_bytes = n * 2.0 * L * d * sizeof(float);  // every cached K and V column, once
    return cost;
}
// [/listing]

double decode_weight_bytes(const Gpt2Config& config) {
    const double d = config.n_embd, n = config.n_layer, V = config.vocab_size;
    const double per_layer = 12.0 * d * d + 13.0 * d;  // four matrices + biases + two LayerNorms
    return (n * per_layer + 2.0 * d + V * d) * sizeof(float);
}

namespace {

// `values` measured at `widths` (ascending), read at `tokens`: exact where measured, else
// interpolated in log L between the nearest two (clamped at the ends).
double rate_at(const std::vector<int>& widths, const std::vector<double>& values, int tokens) {
    if (widths.empty() || values.size() != widths.size()) return std::numeric_limits<double>::quiet_NaN();
    if (tokens <= widths.front()) return values.front();
    if (tokens >= widths.back()) return values.back();
    const std::size_t i = std::lower_bound(widths.begin(), widths.end(), tokens) - widths.begin();  // widths[i] ≥ tokens
    if (widths[i] == tokens) return values[i];
    const double x0 = std::log(widths[i - 1]), x1 = std::log(widths[i]);
    const double t = (std::log(tokens) - x0) / (x1 - x0);
    return values[i - 1] + t * (values[i] - values[i - 1]);
}

}  // namespace

std::vector<int> naive_step_widths(int prompt_tokens, int new_tokens) {
    std::vector<int> widths;
    for (int L = prompt_tokens; L < prompt_tokens + std::max(1, new_tokens); ++L) widths.push_back(L);
    return widths;
}

double MachineRates::gemm_rate(int tokens) const { return rate_at(gemm_tokens, gemm_flops_per_s, tokens); }
double MachineRates::attention_rate(int tokens) const { return rate_at(gemm_tokens, attention_flops_per_s, tokens); }

// [listing:ceiling_sweep]
double measure_decode_sweep(const Gpt2Weights& weights, int repeats) {
    const Gpt2Config& c = weights.config;
    // One column of activations, and one output buffer per matrix shape: allocated once.
    arma::fvec x(c.n_embd, arma::fill::randu), h(4 * c.n_embd, arma::fill::randu);  // (d), (4d)
    arma::fvec qkv(3 * c.n_embd), out(c.n_embd), fc(4 * c.n_embd), logits(c.vocab_size);
    const arma::fmat& head = weights.output_embedding();  // (d, V)
    return best_seconds(repeats, [&] {
        // Exactly the matrix-vector products a decode step does, nothing else.
        for (const LayerWeights& layer : weights.layers) {
            qkv = layer.attn_qkv_weight * x;   // (3d, d)·(d)
            out = layer.attn_proj_weight * x;  // (d, d)·(d)
            fc = layer.mlp_fc_weight * x;      // (4d, d)·(d)
            out = layer.mlp_proj_weight * h;   // (d, 4d)·(4d)
        }
        logits = head.t() * x;  // (V, d)·(d): 154 MB for GPT-2 small, the largest single read
    });
}
// [/listing]

double decode_sweep_bytes(const Gpt2Weights& weights) {
    double matrix_bytes = static_cast<double>(weights.output_embedding().n_elem);
    for (const LayerWeights& layer : weights.layers)
        matrix_bytes += layer.attn_qkv_weight.n_elem + layer.attn_proj_weight.n_elem + layer.mlp_fc_weight.n_elem +
                        layer.mlp_proj_weight.n_elem;
    return matrix_bytes * sizeof(float);
}

MachineRates measure_machine(const Gpt2Weights& weights, const std::vector<int>& gemm_tokens, int repeats,
                             const std::function<void(const std::string&)>& progress) {
    const Gpt2Config& c = weights.config;
    MachineRates rates;
    if (progress) progress("ceiling: one matrix-vector sweep over every weight");
    rates.sweep_s = measure_decode_sweep(weights, repeats);
    rates.sweep_bytes = decode_sweep_bytes(weights);

    // The gemm and attention rates at every width. Each timing takes the next layer's
    // matrices in turn, so their 28 MB (GPT-2 small) come from memory, as in a real forward
    // pass, and not from the CPU cache the previous timing filled. Buffers are made once, for
    // the widest width, and viewed as L columns (the columns of a matrix are contiguous).
    std::vector<int> widths = gemm_tokens;
    std::sort(widths.begin(), widths.end());
    widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
    const int widest = widths.empty() ? 1 : widths.back();
    const arma::uword d = c.n_embd;
    arma::fmat x(d, widest, arma::fill::randu), h(4 * d, widest, arma::fill::randu);  // (d, Lmax), (4d, Lmax)
    arma::fmat qkv(3 * d, widest, arma::fill::randn), out(d, widest), fc(4 * d, widest);
    arma::fmat scores(widest, widest);  // one head's (L, L) scores, reused
    std::vector<double> gemm_best(widths.size(), std::numeric_limits<double>::infinity());
    std::vector<double> attention_best = gemm_best;
    const int passes = std::max(2, repeats / 2);
    const std::size_t n_layers = weights.layers.size();
    for (int pass = 0; pass < passes; ++pass) {
        for (std::size_t i = 0; i < widths.size(); ++i) {
            if (progress && i % std::max<std::size_t>(1, widths.size() / 10) == 0)
                progress(format("gemm and attention rates, pass %d of %d: L = %d (%zu widths, %d to %d)", pass + 1,
                                passes, widths[i], widths.size(), widths.front(), widest));
            const arma::uword L = widths[i];
            const LayerWeights& layer = weights.layers[(i + pass) % n_layers];
            // Views of the first L columns: no copy, no allocation (strict: never resized).
            const arma::fmat x_L(x.memptr(), d, L, false, true), h_L(h.memptr(), 4 * d, L, false, true);
            arma::fmat qkv_L(qkv.memptr(), 3 * d, L, false, true), out_L(out.memptr(), d, L, false, true);
            arma::fmat fc_L(fc.memptr(), 4 * d, L, false, true);
            Stopwatch matmul_watch;
            // Exactly the four products a forward over L tokens runs in every layer, the way it
            // runs them (chapter 03's weight_product: its own loop for 2-32 columns, else BLAS).
            weight_product(layer.attn_qkv_weight, x_L, qkv_L);   // (3d, d)·(d, L)
            weight_product(layer.attn_proj_weight, x_L, out_L);  // (d, d)·(d, L)
            weight_product(layer.mlp_fc_weight, x_L, fc_L);      // (4d, d)·(d, L)
            weight_product(layer.mlp_proj_weight, h_L, out_L);   // (d, 4d)·(4d, L)
            gemm_best[i] = std::min(gemm_best[i], matmul_watch.seconds());

            // The attention products of one layer, as causal_attention_heads runs them for a
            // forward over L tokens: per head, scores (L, L) = kᵀq and out (hd, L) = v·scores.
            const arma::blas_int hd = c.n_embd / c.n_head, n = static_cast<arma::blas_int>(L);
            const arma::blas_int ld_qkv = 3 * c.n_embd, ld_out = c.n_embd;
            const float one = 1.0f, zero = 0.0f;
            Stopwatch attention_watch;
            for (int head = 0; head < c.n_head; ++head) {
                const float* q = qkv.memptr() + head * hd;
                const float* k = q + c.n_embd;
                const float* v = k + c.n_embd;
                arma::blas::gemm("T", "N", &n, &n, &hd, &one, k, &ld_qkv, q, &ld_qkv, &zero, scores.memptr(), &n);
                arma::blas::gemm("N", "N", &hd, &n, &n, &one, v, &ld_qkv, scores.memptr(), &n, &zero,
                                 out.memptr() + head * hd, &ld_out);
            }
            attention_best[i] = std::min(attention_best[i], attention_watch.seconds());
        }
    }
    for (std::size_t i = 0; i < widths.size(); ++i) {
        const double L = widths[i];
        rates.gemm_tokens.push_back(widths[i]);
        rates.gemm_flops_per_s.push_back(2.0 * L * 12.0 * d * d / gemm_best[i]);
        rates.attention_flops_per_s.push_back(2.0 * 2.0 * L * L * d / attention_best[i]);
    }
    if (progress) progress("GELU, softmax and LayerNorm rates");
    measure_elementwise_rates(weights, rates);
    return rates;
}

void measure_elementwise_rates(const Gpt2Weights& weights, MachineRates& rates) {
    // The element-wise work, timed on the model's own functions: GELU over a (4d, 256) block,
    // a causal softmax over a (256, 256) block of scores (256·257/2 visible entries), a
    // LayerNorm over a (d, 256) block.
    const Gpt2Config& c = weights.config;
    const arma::uword d = c.n_embd;
    const int width = 256;
    arma::fmat hidden(4 * d, width, arma::fill::randn), work(4 * d, width);
    rates.gelu_s = best_seconds(3, [&] {
                       work = hidden;
                       gelu_in_place(work);
                   }) / hidden.n_elem;
    arma::fmat block_scores(width, width, arma::fill::randn), scratch(width, width);
    rates.softmax_s = best_seconds(3, [&] {
                          scratch = block_scores;
                          masked_softmax(scratch, 0);
                      }) / (width * (width + 1) / 2.0);
    const LayerWeights& first = weights.layers.front();
    arma::fmat stream(d, width, arma::fill::randn), normalised(d, width);  // (d, 256)
    rates.layer_norm_s = best_seconds(3, [&] {
                             layer_norm(stream, first.ln_1_weight, first.ln_1_bias, c.layer_norm_epsilon, normalised);
                         }) / stream.n_elem;
}

// [listing:cost_predictions]
// GELU's tanh, the softmax's exp and the LayerNorms: one element at a time, at measured rates.
static double elementwise_seconds(const StepCost& cost, const MachineRates& rates) {
    return cost.gelu_evals * rates.gelu_s + cost.softmax_evals * rates.softmax_s +
           cost.layer_norm_evals * rates.layer_norm_s;
}

StepTime predict_naive_step(const Gpt2Config& config, int tokens, const MachineRates& rates) {
    const StepCost cost = naive_step_cost(config, tokens);
    StepTime time;
    // Compute-bound: matrix-matrix products at the rates measured for this very width — the
    // weight matrices at the gemm rate, the per-head attention products at theirs.
    time.matmul_s = cost.matmul_flops / rates.gemm_rate(tokens) + cost.attention_flops / rates.attention_rate(tokens);
    // The output head works on ONE column: it streams its V×d weights like a decode step.
    time.head_s = static_cast<double>(config.vocab_size) * config.n_embd * sizeof(float) / rates.bandwidth_bytes_per_s();
    time.elementwise_s = elementwise_seconds(cost, rates);
    return time;
}

StepTime predict_cached_step(const Gpt2Config& config, int context, const MachineRates& rates) {
    const StepCost cost = cached_step_cost(config, context);
    StepTime time;
    // Bandwidth-bound: every weight byte and every cached K, V byte read once.
    time.memory_s = (cost.weight_bytes + cost.cache_bytes) / rates.bandwidth_bytes_per_s();
    time.elementwise_s = elementwise_seconds(cost, rates);
    return time;
}
// [/listing]

double predict_naive_step_s(const Gpt2Config& config, int tokens, const MachineRates& rates) {
    return predict_naive_step(config, tokens, rates).total();
}

double predict_cached_step_s(const Gpt2Config& config, int context, const MachineRates& rates) {
    return predict_cached_step(config, context, rates).total();
}

double predict_naive_total_s(const Gpt2Config& config, int prompt, int new_tokens, const MachineRates& rates) {
    double total = 0;
    for (int i = 0; i < new_tokens; ++i) total += predict_naive_step_s(config, prompt + i, rates);
    return total;
}

double predict_cached_total_s(const Gpt2Config& config, int prompt, int new_tokens, const MachineRates& rates) {
    if (new_tokens <= 0) return 0;
    double total = predict_naive_step_s(config, prompt, rates);  // the prefill is a forward over the prompt
    for (int i = 1; i < new_tokens; ++i) total += predict_cached_step_s(config, prompt + i, rates);
    return total;
}

}  // namespace gpt2
