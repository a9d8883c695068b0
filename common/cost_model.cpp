#include "cost_model.hpp"

#include "attention.hpp"
#include "gpt2_model.hpp"
#include "report.hpp"
#include "timing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gpt2 {

// [listing:cost_counts]
StepCost naive_step_cost(const Gpt2Config& config, int tokens) {
    const double d = config.n_embd, L = tokens, n = config.n_layer, V = config.vocab_size;
    StepCost cost;
    cost.matmul_flops = n * 2.0 * L * 12.0 * d * d;  // qkv 3d², proj d², fc 4d², mlp proj 4d²
    cost.attention_flops = n * 2.0 * 2.0 * L * L * d;  // QᵀK and V·P over all heads (full L×L)
    cost.head_flops = 2.0 * d * V;                    // logits of the last position only
    cost.gelu_evals = n * 4.0 * d * L;
    cost.softmax_evals = n * config.n_head * L * (L + 1) / 2.0;  // query j sees j + 1 keys
    cost.weight_bytes = decode_weight_bytes(config);
    return cost;
}

StepCost cached_step_cost(const Gpt2Config& config, int context) {
    const double d = config.n_embd, L = context, n = config.n_layer, V = config.vocab_size;
    StepCost cost;
    cost.matmul_flops = n * 2.0 * 12.0 * d * d;   // one column through every matrix
    cost.attention_flops = n * 2.0 * 2.0 * L * d;  // one query against L keys, L values
    cost.head_flops = 2.0 * d * V;
    cost.gelu_evals = n * 4.0 * d;
    cost.softmax_evals = n * config.n_head * L;
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

double MachineRates::gemm_rate(int tokens) const {
    if (gemm_tokens.empty()) return std::numeric_limits<double>::quiet_NaN();
    if (tokens <= gemm_tokens.front()) return gemm_flops_per_s.front();
    if (tokens >= gemm_tokens.back()) return gemm_flops_per_s.back();
    std::size_t i = 1;
    while (gemm_tokens[i] < tokens) ++i;
    const double x0 = std::log(gemm_tokens[i - 1]), x1 = std::log(gemm_tokens[i]);
    const double t = (std::log(tokens) - x0) / (x1 - x0);
    return gemm_flops_per_s[i - 1] + t * (gemm_flops_per_s[i] - gemm_flops_per_s[i - 1]);
}

namespace {

// Best of `repeats` timings of body() (after one warm-up run).
template <class Body>
double best_seconds(int repeats, Body body) {
    body();
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < std::max(1, repeats); ++r) {
        Stopwatch watch;
        body();
        best = std::min(best, watch.seconds());
    }
    return best;
}

}  // namespace

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

MachineRates measure_machine(const Gpt2Weights& weights, const std::vector<int>& gemm_tokens, int repeats,
                             const std::function<void(const std::string&)>& progress) {
    const Gpt2Config& c = weights.config;
    MachineRates rates;
    if (progress) progress("ceiling: one matrix-vector sweep over every weight");
    rates.sweep_s = measure_decode_sweep(weights, repeats);
    double matrix_bytes = static_cast<double>(weights.output_embedding().n_elem);
    for (const LayerWeights& layer : weights.layers)
        matrix_bytes += layer.attn_qkv_weight.n_elem + layer.attn_proj_weight.n_elem + layer.mlp_fc_weight.n_elem +
                        layer.mlp_proj_weight.n_elem;
    rates.sweep_bytes = matrix_bytes * sizeof(float);

    // The gemm rate: the first layer's four matrices times a (d, L) block, per width L —
    // exactly the products a forward over L tokens runs in every layer.
    const LayerWeights& layer = weights.layers.front();
    for (int tokens : gemm_tokens) {
        if (progress) progress(format("gemm rate at %d tokens", tokens));
        arma::fmat x(c.n_embd, tokens, arma::fill::randu), h(4 * c.n_embd, tokens, arma::fill::randu);  // (d, L), (4d, L)
        arma::fmat qkv(3 * c.n_embd, tokens), out(c.n_embd, tokens), fc(4 * c.n_embd, tokens);
        const double seconds = best_seconds(std::max(1, repeats / 2), [&] {
            qkv = layer.attn_qkv_weight * x;
            out = layer.attn_proj_weight * x;
            fc = layer.mlp_fc_weight * x;
            out = layer.mlp_proj_weight * h;
        });
        rates.gemm_tokens.push_back(tokens);
        rates.gemm_flops_per_s.push_back(2.0 * tokens * 12.0 * c.n_embd * c.n_embd / seconds);
    }

    // The element-wise work, timed on the model's own functions: GELU over a (4d, 256) block,
    // a causal softmax over a (256, 256) block of scores (256·257/2 visible entries).
    if (progress) progress("GELU and softmax rates");
    const int width = 256;
    arma::fmat hidden(4 * c.n_embd, width, arma::fill::randn), work(4 * c.n_embd, width);
    rates.gelu_s = best_seconds(3, [&] {
                       work = hidden;
                       gelu_in_place(work);
                   }) / hidden.n_elem;
    arma::fmat scores(width, width, arma::fill::randn), scratch(width, width);
    rates.softmax_s = best_seconds(3, [&] {
                          scratch = scores;
                          masked_softmax(scratch, 0);
                      }) / (width * (width + 1) / 2.0);
    return rates;
}

// [listing:cost_predictions]
StepTime predict_naive_step(const Gpt2Config& config, int tokens, const MachineRates& rates) {
    const StepCost cost = naive_step_cost(config, tokens);
    StepTime time;
    // Compute-bound: matrix-matrix products at the gemm rate measured for this width.
    time.matmul_s = (cost.matmul_flops + cost.attention_flops) / rates.gemm_rate(tokens);
    // The output head works on ONE column: it streams its V×d weights like a decode step.
    time.head_s = static_cast<double>(config.vocab_size) * config.n_embd * sizeof(float) / rates.bandwidth_bytes_per_s();
    // GELU's tanh and the softmax's exp, one at a time, at their measured rates.
    time.elementwise_s = cost.gelu_evals * rates.gelu_s + cost.softmax_evals * rates.softmax_s;
    return time;
}

StepTime predict_cached_step(const Gpt2Config& config, int context, const MachineRates& rates) {
    const StepCost cost = cached_step_cost(config, context);
    StepTime time;
    // Bandwidth-bound: every weight byte and every cached K, V byte read once.
    time.memory_s = (cost.weight_bytes + cost.cache_bytes) / rates.bandwidth_bytes_per_s();
    time.elementwise_s = cost.gelu_evals * rates.gelu_s + cost.softmax_evals * rates.softmax_s;
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
