// gpt2_config.cpp — GPT-2's shape numbers: presets, config.json, and the checks that keep
// a bad or hostile config.json from allocating terabytes.
#include "03_forward_pass/gpt2_config.hpp"

#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/report.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace gpt2 {

namespace {

// Hard ceilings, far above any real GPT-2 (gpt2-xl: 48 layers, 25 heads, n_embd 1600,
// 1024 positions, 50257 tokens). They also keep parameter_count() far from int64 overflow.
constexpr std::int64_t kMaxLayers = 1024;
constexpr std::int64_t kMaxHeads = 1024;
constexpr std::int64_t kMaxEmbd = 65536;
constexpr std::int64_t kMaxPositions = 1 << 20;
constexpr std::int64_t kMaxVocab = 1 << 24;
// Weights beyond this many bytes of float32 are refused outright (gpt2-xl needs ~6.2 GB).
constexpr std::int64_t kMaxWeightBytes = std::int64_t(64) << 30;
// config.json is ~665 bytes; anything above this is not a config file.
constexpr std::int64_t kMaxConfigFileBytes = 1 << 20;

std::string gigabytes(double bytes) { return format("%.1f GB", bytes / 1e9); }

// Physical memory of this machine in bytes, or 0 when unknown.
std::int64_t physical_memory_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page_size = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return std::int64_t(pages) * std::int64_t(page_size);
}

}  // namespace

std::int64_t Gpt2Config::parameter_count() const {
    const std::int64_t C = n_embd, L = n_layer, V = vocab_size, P = n_positions;
    // Per block: ln_1 (2C) + c_attn (C·3C + 3C) + attn c_proj (C·C + C) + ln_2 (2C)
    //            + c_fc (C·4C + 4C) + mlp c_proj (4C·C + C) = 12C² + 13C.
    const std::int64_t per_layer = 12 * C * C + 13 * C;
    // wte (V·C, also the output projection: tied) + wpe (P·C) + blocks + ln_f (2C).
    return V * C + P * C + L * per_layer + 2 * C;
}

void Gpt2Config::validate(const std::string& where) const {
    auto in_range = [&](const char* key, std::int64_t value, std::int64_t max) {
        if (value < 1 || value > max)
            throw UserError(where + ": " + key + " = " + std::to_string(value) +
                            " is out of range (expected 1.." + with_commas(max) +
                            "); fix the config");
    };
    in_range("n_layer", n_layer, kMaxLayers);
    in_range("n_head", n_head, kMaxHeads);
    in_range("n_embd", n_embd, kMaxEmbd);
    in_range("n_positions", n_positions, kMaxPositions);
    in_range("vocab_size", vocab_size, kMaxVocab);
    if (n_embd % n_head != 0)
        throw UserError(where + ": n_embd = " + std::to_string(n_embd) +
                        " is not divisible by n_head = " + std::to_string(n_head) +
                        " (every head needs n_embd / n_head dimensions); fix the config");
    if (!std::isfinite(layer_norm_epsilon) || layer_norm_epsilon <= 0.0f ||
        layer_norm_epsilon >= 1.0f)
        throw UserError(where + ": layer_norm_epsilon = " + format("%g", layer_norm_epsilon) +
                        " must be a small positive number (GPT-2 uses 1e-5); fix the config");

    // Refuse before anything is allocated: the float32 weights alone need 4 bytes a parameter.
    const std::int64_t bytes = parameter_count() * 4;
    if (bytes > kMaxWeightBytes)
        throw UserError(where + ": these sizes mean " + with_commas(parameter_count()) +
                        " parameters (" + gigabytes(double(bytes)) +
                        " of float32), above this tutorial's limit of " +
                        gigabytes(double(kMaxWeightBytes)) + "; check the config");
    const std::int64_t ram = physical_memory_bytes();
    if (ram > 0 && bytes > ram)
        throw UserError(where + ": these sizes mean " + with_commas(parameter_count()) +
                        " parameters (" + gigabytes(double(bytes)) +
                        " of float32) but this machine has " + gigabytes(double(ram)) +
                        " of memory; use a smaller model");
}

Gpt2Config gpt2_small_config() { return Gpt2Config{}; }

namespace {

// One integer key of config.json, checked for presence, type and int range.
int read_int(const nlohmann::json& root, const std::string& path, const char* key) {
    const auto it = root.find(key);
    if (it == root.end())
        throw UserError(path + ": key \"" + key + "\" is missing; a GPT-2 config.json has " +
                        "n_layer, n_head, n_embd, n_positions, vocab_size");
    if (!it->is_number_integer())
        throw UserError(path + ": key \"" + key + "\" must be an integer, found " +
                        it->dump().substr(0, 40) + "; fix the config");
    // Wider than int: range-check before narrowing so 1e19-sized values cannot wrap.
    if (it->is_number_unsigned()) {
        const std::uint64_t v = it->get<std::uint64_t>();
        if (v > std::uint64_t(std::numeric_limits<int>::max()))
            throw UserError(path + ": key \"" + key + "\" = " + std::to_string(v) +
                            " is absurdly large; fix the config");
        return int(v);
    }
    const std::int64_t v = it->get<std::int64_t>();
    if (v > std::numeric_limits<int>::max() || v < std::numeric_limits<int>::min())
        throw UserError(path + ": key \"" + key + "\" = " + std::to_string(v) +
                        " is out of range; fix the config");
    return int(v);
}

// The config.json fields that change the math. Each is either what this code computes (GPT-2's
// own values, or absent) or refused with a line that says what the file asks for: a model
// silently run with the wrong activation or scaling prints fluent-looking nonsense.
void refuse_unimplemented_math(const nlohmann::json& root, const std::string& path, const Gpt2Config& config) {
    auto refuse = [&](const std::string& key, const nlohmann::json& value, const std::string& what) {
        throw UserError(path + ": \"" + key + "\": " + value.dump().substr(0, 40) + " asks for " + what +
                        ", which this tutorial's GPT-2 does not implement; use a GPT-2 checkpoint");
    };
    auto value_of = [&](const char* key) -> const nlohmann::json* {
        const auto it = root.find(key);
        return it == root.end() || it->is_null() ? nullptr : &*it;
    };
    // GPT-2's GELU is the tanh approximation; Hugging Face calls it "gelu_new" (or
    // "gelu_pytorch_tanh", the same function). "gelu" would be the exact erf form.
    if (const nlohmann::json* act = value_of("activation_function"))
        if (!(act->is_string() && (*act == "gelu_new" || *act == "gelu_pytorch_tanh")))
            refuse("activation_function", *act, "another activation than GPT-2's tanh GELU (\"gelu_new\")");
    // The MLP is 4·n_embd wide in every GPT-2; n_inner null means exactly that.
    if (const nlohmann::json* inner = value_of("n_inner"))
        if (!(inner->is_number_integer() && inner->get<std::int64_t>() == 4 * std::int64_t(config.n_embd)))
            refuse("n_inner", *inner, "an MLP width other than 4 · n_embd = " + std::to_string(4 * config.n_embd));
    auto require_bool = [&](const char* key, bool expected, const std::string& what) {
        if (const nlohmann::json* v = value_of(key))
            if (!(v->is_boolean() && v->get<bool>() == expected)) refuse(key, *v, what);
    };
    require_bool("scale_attn_weights", true, "attention scores without the 1/√head_dim scale");
    require_bool("scale_attn_by_inverse_layer_idx", false, "scores also scaled by 1/(layer + 1)");
    require_bool("add_cross_attention", false, "cross-attention to an encoder");
    // Old exports name the window n_ctx; when both are given they must agree.
    if (const nlohmann::json* n_ctx = value_of("n_ctx"))
        if (root.contains("n_positions") && !(n_ctx->is_number_integer() && *n_ctx == config.n_positions))
            throw UserError(path + ": n_ctx = " + n_ctx->dump().substr(0, 40) + " but n_positions = " +
                            std::to_string(config.n_positions) + "; they name the same window, fix the config");
}

}  // namespace

Gpt2Config load_config_json(const std::string& path) {
    // The real config.json is 665 bytes: a much larger file is not one (the reader refuses it unread).
    const std::string text = read_file_bytes(path, kMaxConfigFileBytes,
                                             "a model folder holds config.json; run `make gpt2` to download GPT-2, "
                                             "or use --model random");

    nlohmann::json root;
    try {
        root = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw UserError(path + ": not valid JSON (at byte " + std::to_string(e.byte) +
                        "); re-download the model with `make gpt2`");
    } catch (const nlohmann::json::exception& e) {
        // e.g. a number too large for a double (1e999): valid-looking, but unusable.
        throw UserError(path + ": unusable JSON (" + std::string(e.what()) +
                        "); re-download the model with `make gpt2`");
    }
    if (!root.is_object())
        throw UserError(path + ": config.json must be a JSON object ({...}), found " +
                        std::string(root.type_name()));

    // Only GPT-2 checkpoints are understood; other architectures have other tensors.
    const auto model_type = root.find("model_type");
    if (model_type != root.end() && !(model_type->is_string() && *model_type == "gpt2"))
        throw UserError(path + ": model_type is " + model_type->dump().substr(0, 40) +
                        ", but this tutorial loads GPT-2 checkpoints only (model_type \"gpt2\")");

    Gpt2Config config;
    config.n_layer = read_int(root, path, "n_layer");
    config.n_head = read_int(root, path, "n_head");
    config.n_embd = read_int(root, path, "n_embd");
    // Hugging Face names the context window n_positions; old exports only have n_ctx.
    config.n_positions = read_int(root, path, root.contains("n_positions") ? "n_positions" : "n_ctx");
    config.vocab_size = read_int(root, path, "vocab_size");
    // Optional: Hugging Face's GPT2Config defaults it to 1e-5, as GPT-2 itself does.
    const auto eps = root.find("layer_norm_epsilon");
    if (eps != root.end()) {
        if (!eps->is_number())
            throw UserError(path + ": key \"layer_norm_epsilon\" must be a number, found " +
                            eps->dump().substr(0, 40) + "; fix the config");
        config.layer_norm_epsilon = eps->get<float>();
    }
    const auto tie = root.find("tie_word_embeddings");
    if (tie != root.end() && !tie->is_null()) {
        if (!tie->is_boolean())
            throw UserError(path + ": key \"tie_word_embeddings\" must be true or false, found " +
                            tie->dump().substr(0, 40) + "; fix the config");
        config.tie_word_embeddings = tie->get<bool>();
    }
    config.validate(path);
    refuse_unimplemented_math(root, path, config);
    return config;
}

}  // namespace gpt2
