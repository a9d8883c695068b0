// cost_model.hpp — what a forward pass costs, and what this machine can do (chapters 04–05).
//
// Counting (README of chapter 04, step 4; d = n_embd, V = vocab, n = n_layer):
//   a forward over L tokens, logits for the last one only (a naive decode step):
//     weight matmuls  n · 2·L·12d²       (qkv 3d², proj d², fc 4d², mlp proj 4d², per token)
//     attention       n · 2·2·L²·d       (scores KᵀQ and the weighted sum, every head)
//     output head     2·d·V              (one column: a matrix-VECTOR product)
//   one cached step at context L (one new token attending over L cached tokens):
//     weight matmuls  n · 2·12d²   and every weight byte read once: a decode step is a
//     attention       n · 2·2·L·d        sweep over the whole model (~0.5 GB for 124M)
//     cache reads     n · 2·L·d floats
//
// Predictions come from rates MEASURED on this machine in the same run:
//   gemm rate   FLOP/s of the model's own weight matrices times a (d, L) block, at EVERY
//               width L a run visits — what a naive step (and the prefill) runs at. A gemm's
//               speed depends on its exact width (BLAS cuts the L columns into register-sized
//               panels and shares them between threads: here L = 20 can run at half the rate
//               of L = 32), so a few widths and interpolation would flatter the model;
//   attention   FLOP/s of one layer's per-head products (scores kᵀq and the weighted sum v·p,
//               inner dimension 64 or L, not 768): a different shape, a different rate;
//   sweep       seconds of one matrix-vector product over every weight a decode step reads
//               (each layer's four matrices + the output projection) — the CEILING of cached
//               decoding: it cannot go faster than streaming the weights from memory once;
//   elementwise seconds per GELU (one tanh), per softmax entry (one exp) and per LayerNorm
//               element, timed on the model's own gelu_in_place / masked_softmax / layer_norm:
//               not FLOPs a matrix unit does, but a naive step evaluates 4d·L of the first,
//               ~L²/2 per head of the second and 2d·L per layer of the third.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"
#include "03_forward_pass/gpt2_weights.hpp"

#include <functional>
#include <string>
#include <vector>

namespace gpt2 {

struct StepCost {
    double matmul_flops = 0;     // weight matrices × activations
    double attention_flops = 0;  // scores and weighted sums over the context
    double head_flops = 0;       // the output projection (last position only)
    double gelu_evals = 0;       // tanh evaluations (4d per token per layer)
    double softmax_evals = 0;    // exp evaluations (visible scores, every head and layer)
    double layer_norm_evals = 0; // elements normalised (two LayerNorms per layer, every token)
    double weight_bytes = 0;     // weights that must be read (every matrix, once)
    double cache_bytes = 0;      // K, V read from the cache (cached steps only)
    double flops() const { return matmul_flops + attention_flops + head_flops; }
};

// A forward over `tokens` positions that keeps only the last position's logits.
StepCost naive_step_cost(const Gpt2Config& config, int tokens);
// One new token at position context−1, attending over `context` cached tokens.
StepCost cached_step_cost(const Gpt2Config& config, int context);
// Bytes of every weight a decode step reads once: each layer's four matrices and biases,
// the LayerNorms, and the output projection (V × d). 494.6 MB for GPT-2 small.
double decode_weight_bytes(const Gpt2Config& config);

struct MachineRates {
    double sweep_s = 0;                 // one gemv sweep over every weight (best of the repeats)
    double sweep_bytes = 0;             // bytes that sweep reads
    std::vector<int> gemm_tokens;            // widths L the rates were measured at (ascending)
    std::vector<double> gemm_flops_per_s;    // weight matrices × (d, L), at each width
    std::vector<double> attention_flops_per_s;  // one layer's per-head products over L tokens
    double gelu_s = 0;                  // seconds per GELU element
    double softmax_s = 0;               // seconds per visible softmax entry
    double layer_norm_s = 0;            // seconds per LayerNorm element

    double bandwidth_bytes_per_s() const { return sweep_bytes / sweep_s; }
    double ceiling_tokens_per_s() const { return 1.0 / sweep_s; }
    // The rates measured at width L (exact when L was measured, else interpolated in log L
    // between the nearest measured widths).
    double gemm_rate(int tokens) const;
    double attention_rate(int tokens) const;
};

// The sequence lengths the naive steps of a generation run over: P, P + 1, …, P + N − 1
// (at least P) — the widths to measure the rates at.
std::vector<int> naive_step_widths(int prompt_tokens, int new_tokens);
// Measures the rates with the model's own matrices, the gemm and attention rates at every
// width in `gemm_tokens` (give every sequence length the run will see). Best of `repeats` for
// the ceiling and of max(2, repeats/2) for each width (the machine's capability; other
// programs only ever slow a run down). `progress` (may be empty) is told what is measured.
MachineRates measure_machine(const Gpt2Weights& weights, const std::vector<int>& gemm_tokens, int repeats = 5,
                             const std::function<void(const std::string&)>& progress = {});
// Just the ceiling sweep: seconds of one matrix-vector pass over every decode weight.
double measure_decode_sweep(const Gpt2Weights& weights, int repeats = 5);
// The bytes that sweep reads: the matrices of every layer and the output projection.
double decode_sweep_bytes(const Gpt2Weights& weights);
// Just the element-wise rates (rates.gelu_s, softmax_s, layer_norm_s).
void measure_elementwise_rates(const Gpt2Weights& weights, MachineRates& rates);

// Predicted seconds, from counts and measured rates. The parts, for the lessons' tables:
struct StepTime {
    double matmul_s = 0, head_s = 0, elementwise_s = 0, memory_s = 0;
    double total() const { return matmul_s + head_s + elementwise_s + memory_s; }
};
StepTime predict_naive_step(const Gpt2Config& config, int tokens, const MachineRates& rates);
StepTime predict_cached_step(const Gpt2Config& config, int context, const MachineRates& rates);
double predict_naive_step_s(const Gpt2Config& config, int tokens, const MachineRates& rates);
double predict_cached_step_s(const Gpt2Config& config, int context, const MachineRates& rates);
// A whole generation of `new_tokens` after a `prompt`-token prompt:
//   naive  = Σ_{i<N} naive_step(P + i)
//   cached = prefill (= naive_step(P)) + Σ_{1≤i<N} cached_step(P + i)
double predict_naive_total_s(const Gpt2Config& config, int prompt, int new_tokens, const MachineRates& rates);
double predict_cached_total_s(const Gpt2Config& config, int prompt, int new_tokens, const MachineRates& rates);

}  // namespace gpt2
