// gpt2_weights.cpp — a GPT-2 checkpoint (Hugging Face layout) or the built-in random model,
// into Gpt2Weights: every weight allocated once and filled in place.
//
// The loader reads each tensor's bytes straight into its Armadillo matrix. A Conv1D weight
// stored row-major as (in, out) is, byte for byte, the column-major (out, in) matrix Wᵀ; wte
// stored row-major as (vocab, n_embd) is the column-major (n_embd, vocab) matrix whose
// column t is token t's embedding. So nothing is transposed and nothing is copied twice.
#include "03_forward_pass/gpt2_weights.hpp"

#include "common/errors.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "common/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <thread>

namespace gpt2 {

namespace {

// How the random model fills a tensor (GPT-2's initialisation, see random_gpt2).
enum class Init { Normal, Residual, One, Zero };

// One named tensor of the model: where its float32 memory is and what shape the
// checkpoint stores it in (row-major, PyTorch's order).
struct Slot {
    std::string name;                   // without the optional "transformer." prefix
    float* memory;                      // nullptr when a MatrixSink takes the tensor instead
    std::vector<std::uint64_t> shape;   // as in the checkpoint, e.g. [n_embd, 3·n_embd]
    std::uint64_t n_elements;
    Init init;
    MatrixWriter write;                 // set when memory is nullptr
};

// [listing:weights_no_transpose]
// A checkpoint matrix of shape [rows, cols] (row-major) lands in a column-major (cols, rows)
// Armadillo matrix: same bytes, transposed view. That is the whole trick; see the file comment.
Slot matrix_slot(const std::string& name, arma::fmat& m, std::uint64_t rows, std::uint64_t cols,
                 Init init) {
    m.set_size(arma::uword(cols), arma::uword(rows));  // (out, in): uninitialised, filled next
    return {name, m.memptr(), {rows, cols}, rows * cols, init, {}};
}
// [/listing]

// A big matrix that a MatrixSink takes (load_gpt2_streaming): nothing allocated here.
Slot streamed_slot(const std::string& name, BigMatrix which, int layer, std::uint64_t rows, std::uint64_t cols,
                   Init init, const MatrixSink& sink) {
    return {name, nullptr, {rows, cols}, rows * cols, init, sink(which, layer, {rows, cols})};
}

Slot vector_slot(const std::string& name, arma::fvec& v, std::uint64_t n, Init init) {
    v.set_size(arma::uword(n));
    return {name, v.memptr(), {n}, n, init, {}};
}

// Allocates every weight of `config` (uninitialised) and lists them in a FIXED order: the
// position in this list is the tensor index the random model's generator uses
// (tests/tools/reference_gpt2.py relies on it):
//   0 wte, 1 wpe, then for block l the 12 tensors 2+12l … 13+12l in the order below,
//   then ln_f.weight, ln_f.bias.
std::vector<Slot> allocate(Gpt2Weights& w, const Gpt2Config& config, const MatrixSink* sink = nullptr) {
    const std::uint64_t C = std::uint64_t(config.n_embd), V = std::uint64_t(config.vocab_size),
                        P = std::uint64_t(config.n_positions);
    w.config = config;
    std::vector<Slot> slots;
    auto big = [&](const std::string& name, BigMatrix which, int layer, arma::fmat& m, std::uint64_t rows,
                   std::uint64_t cols, Init init) {
        return sink ? streamed_slot(name, which, layer, rows, cols, init, *sink) : matrix_slot(name, m, rows, cols, init);
    };
    slots.push_back(big("wte.weight", BigMatrix::wte, -1, w.wte, V, C, Init::Normal));  // (C, V)
    slots.push_back(matrix_slot("wpe.weight", w.wpe, P, C, Init::Normal));      // (C, P)
    w.layers.assign(std::size_t(config.n_layer), LayerWeights{});
    for (int l = 0; l < config.n_layer; ++l) {
        LayerWeights& L = w.layers[std::size_t(l)];
        const std::string h = "h." + std::to_string(l) + ".";
        slots.push_back(vector_slot(h + "ln_1.weight", L.ln_1_weight, C, Init::One));
        slots.push_back(vector_slot(h + "ln_1.bias", L.ln_1_bias, C, Init::Zero));
        slots.push_back(big(h + "attn.c_attn.weight", BigMatrix::attn_qkv, l, L.attn_qkv_weight, C, 3 * C, Init::Normal));  // (3C, C)
        slots.push_back(vector_slot(h + "attn.c_attn.bias", L.attn_qkv_bias, 3 * C, Init::Zero));
        slots.push_back(big(h + "attn.c_proj.weight", BigMatrix::attn_proj, l, L.attn_proj_weight, C, C, Init::Residual));  // (C, C)
        slots.push_back(vector_slot(h + "attn.c_proj.bias", L.attn_proj_bias, C, Init::Zero));
        slots.push_back(vector_slot(h + "ln_2.weight", L.ln_2_weight, C, Init::One));
        slots.push_back(vector_slot(h + "ln_2.bias", L.ln_2_bias, C, Init::Zero));
        slots.push_back(big(h + "mlp.c_fc.weight", BigMatrix::mlp_fc, l, L.mlp_fc_weight, C, 4 * C, Init::Normal));  // (4C, C)
        slots.push_back(vector_slot(h + "mlp.c_fc.bias", L.mlp_fc_bias, 4 * C, Init::Zero));
        slots.push_back(big(h + "mlp.c_proj.weight", BigMatrix::mlp_proj, l, L.mlp_proj_weight, 4 * C, C, Init::Residual));  // (C, 4C)
        slots.push_back(vector_slot(h + "mlp.c_proj.bias", L.mlp_proj_bias, C, Init::Zero));
    }
    slots.push_back(vector_slot("ln_f.weight", w.ln_f_weight, C, Init::One));
    slots.push_back(vector_slot("ln_f.bias", w.ln_f_bias, C, Init::Zero));
    w.lm_head.reset();  // tied to wte unless a checkpoint says otherwise
    return slots;
}

// --- the checkpoint on disk -----------------------------------------------------------------

struct ModelFiles {
    std::string config, safetensors;
};

ModelFiles resolve_model_path(const std::string& model_arg) {
    const std::string get_it = "run `make gpt2` to download GPT-2 124M into data/gpt2, or use --model random";
    if (model_arg.empty()) throw UserError("--model is empty; give a model folder, a .safetensors file, or random");
    if (directory_exists(model_arg)) {
        const std::string dir = model_arg;
        const ModelFiles files{dir + "/config.json", dir + "/model.safetensors"};
        if (!file_exists(files.safetensors)) {
            if (file_exists(dir + "/model.safetensors.index.json"))
                throw UserError(dir + ": holds a sharded checkpoint (model.safetensors.index.json); " +
                                "this tutorial reads a single model.safetensors");
            if (file_exists(dir + "/pytorch_model.bin"))
                throw UserError(dir + ": holds pytorch_model.bin but no model.safetensors; this " +
                                "tutorial reads safetensors only; " + get_it);
            throw UserError(dir + ": no model.safetensors in this folder; " + get_it);
        }
        if (!file_exists(files.config))
            throw UserError(dir + ": no config.json beside model.safetensors (it gives the model's " +
                            "sizes); " + get_it);
        return files;
    }
    if (file_exists(model_arg)) {
        const std::size_t slash = model_arg.find_last_of('/');
        const std::string dir = slash == std::string::npos ? "." : model_arg.substr(0, slash);
        const std::string base = slash == std::string::npos ? model_arg : model_arg.substr(slash + 1);
        // The config.json itself was given: the weights sit beside it.
        const bool is_config = base.size() >= 5 && base.compare(base.size() - 5, 5, ".json") == 0;
        const ModelFiles files{is_config ? model_arg : dir + "/config.json",
                               is_config ? dir + "/model.safetensors" : model_arg};
        if (!file_exists(files.safetensors))
            throw UserError(files.safetensors + ": not found beside " + model_arg + "; " + get_it);
        if (!file_exists(files.config))
            throw UserError(files.config + ": not found; the model's config.json must sit beside " +
                            files.safetensors + "; " + get_it);
        return files;
    }
    throw UserError("model '" + model_arg + "' not found (give a folder with config.json + " +
                    "model.safetensors, a .safetensors file, or random); " + get_it);
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// Index of the first NaN/Inf in [data, data + n), or n.
std::uint64_t first_non_finite(const float* data, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i)
        if (!std::isfinite(data[i])) return i;
    return n;
}

// `count` values of tensor t from element `first` on (the whole tensor by default).
void check_finite(const SafetensorsFile& file, const TensorInfo& t, const float* data, std::uint64_t first = 0,
                  std::uint64_t count = UINT64_MAX) {
    if (count == UINT64_MAX) count = t.n_elements;
    const std::uint64_t at = first_non_finite(data, count);
    if (at == count) return;
    data += at;
    const std::uint64_t bad = first + at;
    // A NaN or Inf weight turns every logit into NaN: refuse rather than print garbage.
    throw UserError(file.path() + ": tensor " + display_name(t.name) + " holds " +
                    (std::isnan(*data) ? "NaN" : "Inf") + " at element " + with_commas(bad) +
                    " (file byte " + with_commas(file.data_start() + t.begin + bad * dtype_size(t.dtype)) +
                    "); the checkpoint is corrupt, re-download it (e.g. `make gpt2`)");
}

// lm_head.weight is usually wte saved a second time. Compare it chunk by chunk against wte
// without allocating it; true when every value is equal.
bool equals_wte(const SafetensorsFile& file, const TensorInfo& lm_head, const arma::fmat& wte) {
    std::vector<float> chunk(std::size_t(std::min<std::uint64_t>(lm_head.n_elements, 1 << 16)));
    for (std::uint64_t done = 0; done < lm_head.n_elements;) {
        const std::uint64_t n = std::min<std::uint64_t>(lm_head.n_elements - done, chunk.size());
        file.read_f32(lm_head, chunk.data(), done, n);
        if (std::memcmp(chunk.data(), wte.memptr() + done, n * sizeof(float)) != 0) return false;
        done += n;
    }
    return true;
}

// Streaming: the tensor in chunks of 64K values, each checked, handed to `write`.
constexpr std::uint64_t kChunk = 1 << 16;
void stream_tensor(const SafetensorsFile& file, const TensorInfo& t, const MatrixWriter& write) {
    std::vector<float> chunk(std::size_t(std::min<std::uint64_t>(t.n_elements, kChunk)));
    for (std::uint64_t done = 0; done < t.n_elements;) {
        const std::uint64_t n = std::min<std::uint64_t>(t.n_elements - done, chunk.size());
        file.read_f32(t, chunk.data(), done, n);
        check_finite(file, t, chunk.data(), done, n);
        write(done, chunk.data(), n);
        done += n;
    }
}

// Two tensors of the same shape hold the same values (lm_head saved as a copy of wte).
bool tensors_equal(const SafetensorsFile& file, const TensorInfo& a, const TensorInfo& b) {
    if (a.n_elements != b.n_elements) return false;
    std::vector<float> x(std::size_t(std::min<std::uint64_t>(a.n_elements, kChunk))), y(x.size());
    for (std::uint64_t done = 0; done < a.n_elements;) {
        const std::uint64_t n = std::min<std::uint64_t>(a.n_elements - done, x.size());
        file.read_f32(a, x.data(), done, n);
        file.read_f32(b, y.data(), done, n);
        if (std::memcmp(x.data(), y.data(), n * sizeof(float)) != 0) return false;
        done += n;
    }
    return true;
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
    TensorInfo t;
    t.shape = shape;
    return t.shape_string();
}

Gpt2Weights load_checkpoint(const ModelFiles& files, const MatrixSink* sink = nullptr) {
    const Gpt2Config config = load_config_json(files.config);  // validated: sizes are sane
    const SafetensorsFile file(files.safetensors);
    const std::string where = file.path();

    // Names without the optional "transformer." prefix (GPT2LMHeadModel exports use it).
    std::map<std::string, const TensorInfo*> by_name;
    for (const TensorInfo& t : file.tensors()) {
        const std::string name = starts_with(t.name, "transformer.") ? t.name.substr(12) : t.name;
        if (!by_name.emplace(name, &t).second)
            throw UserError(where + ": holds both " + display_name(name) + " and " +
                            display_name("transformer." + name) + "; it is ambiguous which to use; fix the export");
        // More blocks than config.json says: the two files do not belong together.
        if (starts_with(name, "h.")) {
            const long layer = std::strtol(name.c_str() + 2, nullptr, 10);
            if (layer >= config.n_layer)
                throw UserError(where + ": tensor " + display_name(t.name) + " belongs to block " +
                                std::to_string(layer) + ", but " + files.config + " says n_layer = " +
                                std::to_string(config.n_layer) + "; use the config.json that came with the weights");
        }
    }

    Gpt2Weights w;
    std::vector<Slot> slots = allocate(w, config, sink);
    for (const Slot& slot : slots) {
        const auto it = by_name.find(slot.name);
        if (it == by_name.end())
            throw UserError(where + ": tensor '" + slot.name + "' (or 'transformer." + slot.name +
                            "') is missing; is this a complete GPT-2 checkpoint? Re-download it with `make gpt2`");
        const TensorInfo& t = *it->second;
        if (t.shape != slot.shape)
            throw UserError(where + ": tensor " + display_name(t.name) + " has shape " + t.shape_string() + ", but " +
                            files.config + " (n_embd " + std::to_string(config.n_embd) + ", n_positions " +
                            std::to_string(config.n_positions) + ", vocab_size " +
                            std::to_string(config.vocab_size) + ") needs " + shape_text(slot.shape) +
                            "; use the config.json that came with the weights");
        if (!slot.memory) {  // a MatrixSink takes it, chunk by chunk (load_gpt2_streaming)
            stream_tensor(file, t, slot.write);
            continue;
        }
        // [listing:weights_read_in_place]
        file.read_f32(t, slot.memory);  // straight into the Armadillo matrix: no second copy
        // [/listing]
        check_finite(file, t, slot.memory);
    }

    // The output projection: GPT-2 ties it to wte. Keep a separate copy only if it differs.
    const auto lm = by_name.find("lm_head.weight");
    if (lm != by_name.end()) {
        const TensorInfo& t = *lm->second;
        const std::vector<std::uint64_t> expected{std::uint64_t(config.vocab_size), std::uint64_t(config.n_embd)};
        if (t.shape != expected)
            throw UserError(where + ": tensor " + display_name(t.name) + " has shape " + t.shape_string() +
                            ", but " + files.config + " needs " + shape_text(expected) +
                            " (vocab_size, n_embd); use the config.json that came with the weights");
        if (sink) {
            if (!tensors_equal(file, t, *by_name.at("wte.weight"))) stream_tensor(file, t, (*sink)(BigMatrix::lm_head, -1, t.shape));
        } else if (!equals_wte(file, t, w.wte)) {
            w.lm_head.set_size(arma::uword(config.n_embd), arma::uword(config.vocab_size));  // (C, V)
            file.read_f32(t, w.lm_head.memptr());
            check_finite(file, t, w.lm_head.memptr());
        }
    }
    else if (!config.tie_word_embeddings)
        throw UserError(where + ": " + files.config + " says tie_word_embeddings is false, but the file has no "
                        "lm_head.weight to use instead of wte; use the weights that came with that config.json");
    // Everything else is ignored: h.N.attn.bias / attn.masked_bias are causal-mask buffers
    // (the forward pass builds its own mask), not weights.
    w.source = files.safetensors;
    w.is_random = false;
    return w;
}

// --- the built-in random model ------------------------------------------------------------------

// [listing:random_weights_counter]
// SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;  // SplitMix64's increment

// Elements [begin, end) of tensor `key`: element i is SplitMix64's (i+1)-th output from state
// `key`; its top 24 bits r ∈ [0, 2^24) give (r − 2^23)·scale, uniform in [−a, a).
// Every element is computed on its own, so any split over threads gives the same numbers.
void fill_uniform(float* out, std::uint64_t begin, std::uint64_t end, std::uint64_t key, float scale) {
    for (std::uint64_t i = begin; i < end; ++i) {  // out points at element `begin`
        const std::uint64_t bits = mix64(key + (i + 1) * kGolden);
        out[i - begin] = float(std::int64_t(bits >> 40) - (std::int64_t(1) << 23)) * scale;
    }
}
// [/listing]

}  // namespace

std::uint64_t Gpt2Weights::bytes() const {
    std::uint64_t n = wte.n_elem + wpe.n_elem + ln_f_weight.n_elem + ln_f_bias.n_elem + lm_head.n_elem;
    for (const LayerWeights& L : layers)
        n += L.ln_1_weight.n_elem + L.ln_1_bias.n_elem + L.attn_qkv_weight.n_elem +
             L.attn_qkv_bias.n_elem + L.attn_proj_weight.n_elem + L.attn_proj_bias.n_elem +
             L.ln_2_weight.n_elem + L.ln_2_bias.n_elem + L.mlp_fc_weight.n_elem +
             L.mlp_fc_bias.n_elem + L.mlp_proj_weight.n_elem + L.mlp_proj_bias.n_elem;
    return n * sizeof(float);
}

namespace {

Gpt2Weights load_any(const std::string& model_arg, const MatrixSink* sink) {
    if (model_arg == "random") return random_gpt2(gpt2_small_config(), 1234, sink);
    if (model_arg == "mini") {  // the small model trained here, shipped in data/mini
        Gpt2Weights w = load_checkpoint(resolve_model_path(mini_model_dir()), sink);
        w.source = "mini";
        return w;
    }
    return load_checkpoint(resolve_model_path(model_arg), sink);
}

}  // namespace

Gpt2Weights load_gpt2(const std::string& model_arg) { return load_any(model_arg, nullptr); }

Gpt2Weights load_gpt2_streaming(const std::string& model_arg, const MatrixSink& sink) {
    return load_any(model_arg, &sink);
}

Gpt2Weights random_gpt2(const Gpt2Config& config, std::uint64_t seed, const MatrixSink* sink) {
    config.validate("random model");
    Gpt2Weights w;
    const std::vector<Slot> slots = allocate(w, config, sink);

    // GPT-2's initialisation: weights with std 0.02, the two projections that feed the
    // residual stream (attn.c_proj, mlp.c_proj) scaled down by 1/√(2·n_layer), LayerNorm
    // weight 1, biases 0. A uniform in [−a, a) with a = std·√3 has that std.
    const double std_normal = 0.02;
    const double std_residual = 0.02 / std::sqrt(2.0 * config.n_layer);
    const float scale_normal = float(std_normal * std::sqrt(3.0) / 8388608.0);  // a / 2^23
    const float scale_residual = float(std_residual * std::sqrt(3.0) / 8388608.0);
    const std::uint64_t seed_key = mix64(seed);

    // Split every tensor's elements over a few threads (each element is independent).
    const unsigned n_threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    auto work = [&](unsigned part) {
        for (std::size_t k = 0; k < slots.size(); ++k) {
            const Slot& s = slots[k];
            if (!s.memory) continue;  // streamed below, on one thread: a sink takes chunks in order
            const std::uint64_t begin = s.n_elements * part / n_threads;
            const std::uint64_t end = s.n_elements * (part + 1) / n_threads;
            switch (s.init) {
            case Init::Normal:
                fill_uniform(s.memory + begin, begin, end, mix64(seed_key + k), scale_normal);
                break;
            case Init::Residual:
                fill_uniform(s.memory + begin, begin, end, mix64(seed_key + k), scale_residual);
                break;
            case Init::One:
                std::fill(s.memory + begin, s.memory + end, 1.0f);
                break;
            case Init::Zero:
                std::fill(s.memory + begin, s.memory + end, 0.0f);
                break;
            }
        }
    };
    std::vector<std::thread> helpers;
    for (unsigned part = 1; part < n_threads; ++part) helpers.emplace_back(work, part);
    work(0);
    for (std::thread& t : helpers) t.join();
    // The streamed matrices (load_gpt2_streaming): generated a chunk at a time, the same numbers.
    std::vector<float> chunk;
    for (std::size_t k = 0; k < slots.size(); ++k) {
        const Slot& s = slots[k];
        if (s.memory) continue;
        const float scale = s.init == Init::Residual ? scale_residual : scale_normal;
        chunk.resize(std::size_t(std::min<std::uint64_t>(s.n_elements, kChunk)));
        for (std::uint64_t done = 0; done < s.n_elements;) {
            const std::uint64_t n = std::min<std::uint64_t>(s.n_elements - done, chunk.size());
            fill_uniform(chunk.data(), done, done + n, mix64(seed_key + k), scale);
            s.write(done, chunk.data(), n);
            done += n;
        }
    }

    w.source = "random (seed " + std::to_string(seed) + ")";
    w.is_random = true;
    return w;
}

std::string mini_model_notice() {
    return "note: using the small model trained here (data/mini: GPT-2's architecture, 4 layers, 7.3M "
           "parameters, trained on State of the Union addresses): its text reads, but it is not GPT-2; "
           "run `make gpt2` for the real model.";
}

std::string random_model_notice() {
    return "note: using the built-in random model (GPT-2 124M's shapes, random weights): the "
           "text will be noise, but the timings are real; run `make gpt2` to download the real model.";
}

}  // namespace gpt2
