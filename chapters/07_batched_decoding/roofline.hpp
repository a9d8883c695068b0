// roofline.hpp — what one batched decode step should cost on this machine (chapter 07, step 6).
//
// A decode step over B sequences at context L (d = n_embd, n = n_layer, V = vocab):
//   weights    read once, whatever B is:            W bytes (494.6 MB for GPT-2 small, fp32)
//   weight FLOPs, B columns through every matrix:   B · 2·(12·n·d² + V·d)
//   per sequence: its K and V cache, read once:      B · L · 2·n·d·4 bytes (73,728·L for GPT-2 small)
//                 and its element-wise work (GELU, softmax, LayerNorm)
// The roofline: the weight part takes whichever is longer — streaming W at the measured
// bandwidth, or the FLOPs at the gemm rate measured at width B with the matrix already in
// the CPU's cache (the compute roof) — and the per-sequence parts add to it:
//   t(B) = max(W / bandwidth, FLOPs(B) / rate(B)) + B · cache(L) / bandwidth + B · elementwise
// Small B: the memory roof, flat — B tokens for the price of one. Large B: the compute roof,
// growing with B. They cross at the ridge.
#pragma once

#include "04_naive_decode/cost_model.hpp"  // StepCost, MachineRates, the sweep (chapter 04)

#include <functional>
#include <string>
#include <vector>

namespace gpt2 {

struct Roofline {
    MachineRates machine;              // the weight sweep (bandwidth) and the element-wise rates
    std::vector<int> widths;           // batch sizes the compute roof was measured at (ascending)
    std::vector<double> gemm_flops_per_s;  // one layer's four products at width B, weights in cache

    double bandwidth_bytes_per_s() const { return machine.bandwidth_bytes_per_s(); }
    double compute_rate(int batch) const;  // measured (interpolated between measured widths)
};

// Measures the bandwidth (one gemv sweep over every weight), the element-wise rates and the
// in-cache gemm rate at every batch size. `progress` (may be empty) is told what is measured.
Roofline measure_roofline(const Gpt2Weights& weights, const std::vector<int>& batch_sizes, int repeats,
                          const std::function<void(const std::string&)>& progress = {});

struct BatchedStepTime {
    double weights_memory_s = 0;   // W / bandwidth: the memory roof
    double weights_compute_s = 0;  // FLOPs(B) / rate(B): the compute roof
    double cache_s = 0;            // every sequence's K, V reads
    double elementwise_s = 0;      // every sequence's GELU, softmax, LayerNorm
    double total() const;          // max(memory, compute) + cache + element-wise: the roofline
    // memory + compute + cache + element-wise: what a step takes when the weights' streaming and
    // arithmetic do not overlap at all (BLAS's gemm copies — packs — the weights before it
    // multiplies them; chapter 03's blocked loop multiplies only four columns while a block
    // streams in, the rest from its copy in cache)
    double total_without_overlap() const;
};
BatchedStepTime predict_batched_step(const Gpt2Config& config, int batch, int context, const Roofline& roofline);

// The smallest batch size where the weights' compute time reaches their memory time (the
// ridge), found from the measured widths; 0 when compute stays below memory at every one.
int ridge_batch(const Gpt2Config& config, const Roofline& roofline);

}  // namespace gpt2
