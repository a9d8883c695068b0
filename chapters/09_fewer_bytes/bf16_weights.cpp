#include "09_fewer_bytes/bf16_weights.hpp"

#include <deque>
#include <stdexcept>
#include <utility>

namespace gpt2 {

std::uint64_t Bf16Weights::bytes() const {
    std::uint64_t n = wte.bytes() + lm_head.bytes() + (wpe.n_elem + ln_f_weight.n_elem + ln_f_bias.n_elem) * sizeof(float);
    for (const Bf16LayerWeights& L : layers) {
        n += L.attn_qkv_weight.bytes() + L.attn_proj_weight.bytes() + L.mlp_fc_weight.bytes() + L.mlp_proj_weight.bytes();
        n += (L.ln_1_weight.n_elem + L.ln_1_bias.n_elem + L.attn_qkv_bias.n_elem + L.attn_proj_bias.n_elem +
              L.ln_2_weight.n_elem + L.ln_2_bias.n_elem + L.mlp_fc_bias.n_elem + L.mlp_proj_bias.n_elem) *
             sizeof(float);
    }
    return n;
}

namespace {

// The float32 parts of a layer, moved over from chapter 03's loader.
void take_small(LayerWeights& from, Bf16LayerWeights& to) {
    to.ln_1_weight = std::move(from.ln_1_weight);
    to.ln_1_bias = std::move(from.ln_1_bias);
    to.attn_qkv_bias = std::move(from.attn_qkv_bias);
    to.attn_proj_bias = std::move(from.attn_proj_bias);
    to.ln_2_weight = std::move(from.ln_2_weight);
    to.ln_2_bias = std::move(from.ln_2_bias);
    to.mlp_fc_bias = std::move(from.mlp_fc_bias);
    to.mlp_proj_bias = std::move(from.mlp_proj_bias);
}

}  // namespace

// [listing:ch09_load_bf16]
Bf16Weights load_bf16(const std::string& model_arg) {
    Bf16Weights w;
    std::deque<Bf16LayerWeights> layers;  // a deque: growing it never moves a matrix a writer fills
    // Each big matrix is made empty when chapter 03's loader reaches it, then filled chunk by
    // chunk, every float32 rounded to bfloat16 as it arrives.
    const MatrixSink sink = [&](BigMatrix which, int layer, const std::vector<std::uint64_t>& shape) -> MatrixWriter {
        const int rows = static_cast<int>(shape[0]), cols = static_cast<int>(shape[1]);
        if (which == BigMatrix::wte || which == BigMatrix::lm_head) {
            // Stored [vocab, n_embd], row-major: already our (vocab, n_embd) row-major layout.
            Bf16Matrix& m = which == BigMatrix::wte ? w.wte : w.lm_head;
            m = Bf16Matrix(rows, cols);
            return [&m](std::uint64_t first, const float* values, std::uint64_t count) {
                m.set_row_major(first, values, count);
            };
        }
        while (static_cast<int>(layers.size()) <= layer) layers.emplace_back();
        Bf16LayerWeights& L = layers[layer];
        Bf16Matrix& m = which == BigMatrix::attn_qkv  ? L.attn_qkv_weight
                        : which == BigMatrix::attn_proj ? L.attn_proj_weight
                        : which == BigMatrix::mlp_fc    ? L.mlp_fc_weight
                                                        : L.mlp_proj_weight;
        // Conv1D stores [in, out] row-major: column-major (out, in) — chapter 03's trick.
        m = Bf16Matrix(cols, rows);
        return [&m](std::uint64_t first, const float* values, std::uint64_t count) {
            m.set_column_major(first, values, count);
        };
    };
    Gpt2Weights rest = load_gpt2_streaming(model_arg, sink);  // wpe, biases, LayerNorms: float32
    // [/listing]
    w.config = rest.config;
    w.wpe = std::move(rest.wpe);
    w.ln_f_weight = std::move(rest.ln_f_weight);
    w.ln_f_bias = std::move(rest.ln_f_bias);
    w.layers.resize(rest.layers.size());
    for (std::size_t l = 0; l < rest.layers.size(); ++l) {
        w.layers[l] = std::move(layers.at(l));
        take_small(rest.layers[l], w.layers[l]);
    }
    w.source = rest.source;
    w.is_random = rest.is_random;
    return w;
}

Bf16Weights to_bf16_weights(const Gpt2Weights& weights) {
    Bf16Weights w;
    w.config = weights.config;
    w.wte = Bf16Matrix(arma::fmat(weights.wte.t()));  // (vocab, n_embd)
    if (weights.lm_head.n_elem) w.lm_head = Bf16Matrix(arma::fmat(weights.lm_head.t()));
    w.wpe = weights.wpe;
    w.ln_f_weight = weights.ln_f_weight;
    w.ln_f_bias = weights.ln_f_bias;
    for (const LayerWeights& from : weights.layers) {
        Bf16LayerWeights L;
        LayerWeights copy = from;
        take_small(copy, L);
        L.attn_qkv_weight = Bf16Matrix(from.attn_qkv_weight);
        L.attn_proj_weight = Bf16Matrix(from.attn_proj_weight);
        L.mlp_fc_weight = Bf16Matrix(from.mlp_fc_weight);
        L.mlp_proj_weight = Bf16Matrix(from.mlp_proj_weight);
        w.layers.push_back(std::move(L));
    }
    w.source = weights.source;
    w.is_random = weights.is_random;
    return w;
}

}  // namespace gpt2
