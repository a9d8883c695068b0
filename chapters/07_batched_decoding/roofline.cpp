#include "07_batched_decoding/roofline.hpp"

#include "03_forward_pass/weight_product.hpp"  // the products the step runs (chapter 03)
#include "common/report.hpp"
#include "common/timing.hpp"

#include <algorithm>
#include <cmath>

namespace gpt2 {

double Roofline::compute_rate(int batch) const {
    if (widths.empty()) return NAN;
    if (batch <= widths.front()) return gemm_flops_per_s.front();
    if (batch >= widths.back()) return gemm_flops_per_s.back();
    const std::size_t i = std::lower_bound(widths.begin(), widths.end(), batch) - widths.begin();
    if (widths[i] == batch) return gemm_flops_per_s[i];
    const double t = (std::log(batch) - std::log(widths[i - 1])) / (std::log(widths[i]) - std::log(widths[i - 1]));
    return gemm_flops_per_s[i - 1] + t * (gemm_flops_per_s[i] - gemm_flops_per_s[i - 1]);
}

Roofline measure_roofline(const Gpt2Weights& weights, const std::vector<int>& batch_sizes, int repeats,
                          const std::function<void(const std::string&)>& progress) {
    Roofline roofline;
    MachineRates& machine = roofline.machine;
    if (progress) progress("the memory roof: one matrix-vector sweep over every weight");
    machine.sweep_s = measure_decode_sweep(weights, repeats);
    machine.sweep_bytes = decode_sweep_bytes(weights);
    if (progress) progress("GELU, softmax and LayerNorm rates");
    measure_elementwise_rates(weights, machine);

    // The compute roof: one layer's four products at width B, repeated on the SAME layer so its
    // matrices (28 MB for GPT-2 small) stay in the CPU's cache — what the arithmetic units
    // can do at this width when memory is not what they wait for.
    roofline.widths = batch_sizes;
    std::sort(roofline.widths.begin(), roofline.widths.end());
    roofline.widths.erase(std::unique(roofline.widths.begin(), roofline.widths.end()), roofline.widths.end());
    const LayerWeights& layer = weights.layers.front();
    const arma::uword d = weights.config.n_embd;
    for (int B : roofline.widths) {
        if (progress) progress(format("the compute roof at width %d", B));
        const arma::fmat x(d, B, arma::fill::randu), h(4 * d, B, arma::fill::randu);  // (d, B), (4d, B)
        arma::fmat qkv(3 * d, B), out(d, B), fc(4 * d, B);
        const int reps = 8;  // enough products per timing that the clock's resolution does not matter
        const double seconds = best_seconds(repeats, [&] {
            for (int r = 0; r < reps; ++r) {
                // The products as the batched step runs them (chapter 03's weight_product).
                weight_product(layer.attn_qkv_weight, x, qkv);   // (3d, d)·(d, B)
                weight_product(layer.attn_proj_weight, x, out);  // (d, d)·(d, B)
                weight_product(layer.mlp_fc_weight, x, fc);      // (4d, d)·(d, B)
                weight_product(layer.mlp_proj_weight, h, out);   // (d, 4d)·(4d, B)
            }
        });
        roofline.gemm_flops_per_s.push_back(reps * 2.0 * 12.0 * d * d * B / seconds);
    }
    return roofline;
}

double BatchedStepTime::total() const { return std::max(weights_memory_s, weights_compute_s) + cache_s + elementwise_s; }
double BatchedStepTime::total_without_overlap() const {
    return weights_memory_s + weights_compute_s + cache_s + elementwise_s;
}

// [listing:ch07_roofline]
BatchedStepTime predict_batched_step(const Gpt2Config& config, int batch, int context, const Roofline& roofline) {
    const StepCost one = cached_step_cost(config, context);  // one sequence's step (chapter 04)
    const double bandwidth = roofline.bandwidth_bytes_per_s();
    BatchedStepTime time;
    time.weights_memory_s = one.weight_bytes / bandwidth;  // read once for all B
    time.weights_compute_s = batch * (one.matmul_flops + one.head_flops) / roofline.compute_rate(batch);
    time.cache_s = batch * one.cache_bytes / bandwidth;  // each sequence reads its own cache
    const MachineRates& m = roofline.machine;
    time.elementwise_s =
        batch * (one.gelu_evals * m.gelu_s + one.softmax_evals * m.softmax_s + one.layer_norm_evals * m.layer_norm_s);
    return time;
}
// [/listing]

int ridge_batch(const Gpt2Config& config, const Roofline& roofline) {
    for (int B : roofline.widths) {
        const BatchedStepTime t = predict_batched_step(config, B, 1, roofline);
        if (t.weights_compute_s >= t.weights_memory_s) return B;
    }
    return 0;
}

}  // namespace gpt2
