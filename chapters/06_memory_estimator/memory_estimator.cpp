#include "06_memory_estimator/memory_estimator.hpp"

#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>

namespace gpt2 {

// --- number formats -----------------------------------------------------------------------

namespace {

struct DTypeInfo {
    DType dtype;
    const char* name;
    int bits;
};
const DTypeInfo kDTypes[] = {{DType::fp32, "fp32", 32}, {DType::fp16, "fp16", 16}, {DType::bf16, "bf16", 16},
                             {DType::fp8, "fp8", 8},    {DType::int8, "int8", 8},   {DType::int4, "int4", 4}};

}  // namespace

int dtype_bits(DType dtype) {
    for (const DTypeInfo& info : kDTypes)
        if (info.dtype == dtype) return info.bits;
    return 0;
}

std::string dtype_name(DType dtype) {
    for (const DTypeInfo& info : kDTypes)
        if (info.dtype == dtype) return info.name;
    return "?";
}

std::string dtype_names() {
    std::string out;
    for (const DTypeInfo& info : kDTypes) out += (out.empty() ? "" : "|") + std::string(info.name);
    return out;
}

DType parse_dtype(const std::string& text, const std::string& where) {
    for (const DTypeInfo& info : kDTypes)
        if (text == info.name) return info.dtype;
    throw UserError(where + ": unknown dtype '" + text.substr(0, 40) + "'; choose one of " + dtype_names());
}

// --- Step 1: the formula ------------------------------------------------------------------

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what) {
    std::uint64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out))
        throw UserError(what + " does not fit in 64 bits (over 2^64 ≈ 1.8e19; as bytes, 16 EiB) — "
                               "no machine holds that; check the sizes you asked for");
    return out;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const std::string& what) {
    std::uint64_t out = 0;
    if (__builtin_add_overflow(a, b, &out))
        throw UserError(what + " does not fit in 64 bits (over 2^64 ≈ 1.8e19; as bytes, 16 EiB) — "
                               "no machine holds that; check the sizes you asked for");
    return out;
}

// [listing:ch06_kv_cache_bytes]
std::uint64_t kv_cache_bytes(const ModelSpec& model, std::uint64_t tokens, std::uint64_t batch,
                             DType dtype) {
    // [exercise:kv_cache_bytes] see chapters/06_memory_estimator/README.md, step 1
    const std::string what = "the byte count of a KV cache of " + std::to_string(tokens) + " tokens × batch " + std::to_string(batch);
    // One key vector and one value vector per (layer, kv head, token, sequence), head_dim wide.
    std::uint64_t values = static_cast<std::uint64_t>(model.n_layer);
    values = checked_mul(values, static_cast<std::uint64_t>(model.n_kv_heads), what);
    values = checked_mul(values, static_cast<std::uint64_t>(model.head_dim), what);
    values = checked_mul(values, tokens, what);
    values = checked_mul(values, batch, what);
    // K and V: 2 × bits/8 bytes = bits/4 bytes per position. Every dtype has a multiple of
    // 4 bits, so this stays exact even for int4 (half a byte each, but always in K,V pairs).
    return checked_mul(values, static_cast<std::uint64_t>(dtype_bits(dtype) / 4), what);
    // [/exercise]
}
// [/listing]

std::uint64_t kv_bytes_per_token(const ModelSpec& model, DType dtype) { return kv_cache_bytes(model, 1, 1, dtype); }

std::uint64_t cached_tokens(const ModelSpec& model, std::uint64_t context) {
    // A sliding-window model attends only to the last `window` positions, so a rolling
    // buffer of that many is all it keeps (Mistral 7B: 4096).
    if (model.sliding_window > 0 && context > static_cast<std::uint64_t>(model.sliding_window))
        return static_cast<std::uint64_t>(model.sliding_window);
    return context;
}

// --- Step 2: model shapes -----------------------------------------------------------------

void validate_model(const ModelSpec& m, const std::string& where) {
    auto positive = [&](int value, const char* name) {
        if (value <= 0)
            throw UserError(where + ": " + name + " must be a positive whole number, got " + std::to_string(value));
    };
    positive(m.n_layer, "the number of layers");
    positive(m.n_head, "the number of heads");
    positive(m.n_kv_heads, "the number of key/value heads");
    positive(m.head_dim, "the head dimension");
    positive(m.d_model, "the model width (n_embd / hidden_size)");
    positive(m.intermediate_size, "the MLP width (intermediate_size)");
    positive(m.vocab_size, "the vocabulary size");
    positive(m.max_context, "the context window (n_positions / max_position_embeddings)");
    if (m.sliding_window < 0)
        throw UserError(where + ": the sliding window must be 0 (none) or positive, got " +
                        std::to_string(m.sliding_window));
    if (m.n_kv_heads > m.n_head || m.n_head % m.n_kv_heads != 0)
        throw UserError(where + ": " + std::to_string(m.n_kv_heads) + " key/value heads do not divide " +
                        std::to_string(m.n_head) + " heads; each kv head serves a whole group of query heads, "
                        "so pick a divisor of the head count (" + std::to_string(m.n_head) + " = MHA, 1 = MQA)");
    if (m.architecture == Architecture::Gpt2) {
        if (m.d_model % m.n_head != 0)
            throw UserError(where + ": " + std::to_string(m.n_head) + " heads do not divide n_embd " +
                            std::to_string(m.d_model) + "; GPT-2 splits n_embd evenly across the heads");
        if (m.head_dim != m.d_model / m.n_head)
            throw UserError(where + ": head_dim " + std::to_string(m.head_dim) + " × " + std::to_string(m.n_head) +
                            " heads is not n_embd " + std::to_string(m.d_model) +
                            "; give --n-embd or --head-dim, not a pair that disagrees");
    }
}

namespace {

ModelSpec gpt2_family(const char* name, int layers, int heads, int n_embd, int context, int vocab,
                      const char* source) {
    Gpt2Config config;
    config.n_layer = layers;
    config.n_head = heads;
    config.n_embd = n_embd;
    config.n_positions = context;
    config.vocab_size = vocab;
    return model_spec(config, name, source);
}

ModelSpec llama_family(const char* name, int layers, int heads, int kv_heads, int d_model, int intermediate,
                       int vocab, int context, int window, const char* source) {
    ModelSpec m;
    m.name = name;
    m.architecture = Architecture::Llama;
    m.n_layer = layers;
    m.n_head = heads;
    m.n_kv_heads = kv_heads;
    m.d_model = d_model;
    m.head_dim = d_model / heads;
    m.intermediate_size = intermediate;
    m.vocab_size = vocab;
    m.max_context = context;
    m.sliding_window = window;
    m.tied_embeddings = false;
    m.source = source;
    return m;
}

}  // namespace

ModelSpec model_spec(const Gpt2Config& config, const std::string& name, const std::string& source,
                     int intermediate_size) {
    ModelSpec m;
    m.name = name;
    m.architecture = Architecture::Gpt2;
    m.n_layer = config.n_layer;
    m.n_head = m.n_kv_heads = config.n_head;  // GPT-2: every head has its own K and V
    m.d_model = config.n_embd;
    m.head_dim = config.n_embd / config.n_head;
    m.intermediate_size = intermediate_size > 0 ? intermediate_size : 4 * config.n_embd;
    m.vocab_size = config.vocab_size;
    m.max_context = config.n_positions;
    m.tied_embeddings = config.tie_word_embeddings;
    m.source = source;
    return m;
}

Gpt2Config gpt2_config(const ModelSpec& m, const std::string& purpose) {
    if (m.architecture != Architecture::Gpt2 || m.n_kv_heads != m.n_head || m.sliding_window > 0)
        throw UserError(purpose + " cannot hold " + m.name +
                        " (not a GPT-2-family shape); use gpt2, gpt2-medium, gpt2-large, gpt2-xl, a GPT-2 "
                        "config.json or a custom --layers/--heads/--n-embd model without --kv-heads");
    Gpt2Config config;
    config.n_layer = m.n_layer;
    config.n_head = m.n_head;
    config.n_embd = m.d_model;
    config.n_positions = m.max_context;
    config.vocab_size = m.vocab_size;
    config.tie_word_embeddings = m.tied_embeddings;
    return config;
}

// [listing:ch06_model_presets]
const std::vector<ModelSpec>& model_presets() {
    // Numbers from each model's published config (Hugging Face config.json of the repository
    // named) or paper. parameter_count() of each reproduces the published total, see the tests.
    static const std::vector<ModelSpec> presets = {
        //            name            layers heads  n_embd ctx   vocab
        gpt2_family("gpt2",           12,    12,    768,   1024, 50257, "openai-community/gpt2 config.json"),
        gpt2_family("gpt2-medium",    24,    16,    1024,  1024, 50257, "openai-community/gpt2-medium config.json"),
        gpt2_family("gpt2-large",     36,    20,    1280,  1024, 50257, "openai-community/gpt2-large config.json"),
        gpt2_family("gpt2-xl",        48,    25,    1600,  1024, 50257, "openai-community/gpt2-xl config.json"),
        gpt2_family("mini",           4,     4,     128,   256,  50257, "data/mini/config.json (trained here)"),
        gpt2_family("gpt3-175b",      96,    96,    12288, 2048, 50257,
                    "Brown et al. 2020 (arXiv 2005.14165) Table 2.1; GPT-2 architecture and vocabulary"),
        //             name           layers heads kv  hidden intermediate vocab   ctx    window
        llama_family("llama-2-7b",    32,    32,   32, 4096,  11008,       32000,  4096,  0,
                     "meta-llama/Llama-2-7b-hf config.json"),
        llama_family("llama-2-13b",   40,    40,   40, 5120,  13824,       32000,  4096,  0,
                     "meta-llama/Llama-2-13b-hf config.json"),
        llama_family("llama-2-70b",   80,    64,   8,  8192,  28672,       32000,  4096,  0,
                     "meta-llama/Llama-2-70b-hf config.json"),
        llama_family("llama-3-8b",    32,    32,   8,  4096,  14336,       128256, 8192,  0,
                     "meta-llama/Meta-Llama-3-8B config.json"),
        llama_family("llama-3-70b",   80,    64,   8,  8192,  28672,       128256, 8192,  0,
                     "meta-llama/Meta-Llama-3-70B config.json"),
        llama_family("mistral-7b",    32,    32,   8,  4096,  14336,       32000,  32768, 4096,
                     "mistralai/Mistral-7B-v0.1 config.json"),
    };
    return presets;
}
// [/listing]

std::string preset_names() {
    std::string out;
    for (const ModelSpec& m : model_presets()) out += (out.empty() ? "" : ", ") + m.name;
    return out;
}

const ModelSpec& find_preset(const std::string& name) {
    for (const ModelSpec& m : model_presets())
        if (m.name == name) return m;
    throw UserError("--preset: unknown model '" + name.substr(0, 40) + "'; valid presets: " + preset_names());
}

// --- config.json --------------------------------------------------------------------------

namespace {

using nlohmann::json;

// A whole number in [1, 2^31) under `key`, or UserError naming the file and the key.
int json_int(const json& config, const char* key, const std::string& where) {
    if (!config.contains(key)) throw UserError(where + ": missing \"" + key + "\"");
    const json& value = config.at(key);
    if (!value.is_number_integer() || value.get<long long>() <= 0 ||
        value.get<long long>() > std::numeric_limits<int>::max())
        throw UserError(where + ": \"" + key + "\" must be a whole number from 1 to 2,147,483,647, got " + value.dump().substr(0, 40));
    return static_cast<int>(value.get<long long>());
}

// Like json_int, but a missing key or null gives `fallback`.
int json_int_or(const json& config, const char* key, int fallback, const std::string& where) {
    if (!config.contains(key) || config.at(key).is_null()) return fallback;
    return json_int(config, key, where);
}

}  // namespace

ModelSpec parse_model_config(const std::string& text, const std::string& where) {
    json config;
    try {
        config = json::parse(text);
    } catch (const json::parse_error& e) {
        throw UserError(where + ": not valid JSON at byte " + std::to_string(e.byte) +
                        "; is it a Hugging Face config.json?");
    }
    if (!config.is_object()) throw UserError(where + ": expected a JSON object (a Hugging Face config.json)");

    ModelSpec m;
    m.name = where;
    m.source = "read from this config.json";
    if (config.contains("n_layer") || config.contains("n_embd")) {
        // GPT-2 keys (GPT2Config): n_inner null means 4·n_embd; the head is always tied.
        Gpt2Config shape;
        shape.n_layer = json_int(config, "n_layer", where);
        shape.n_head = json_int(config, "n_head", where);
        shape.n_embd = json_int(config, "n_embd", where);
        shape.n_positions = config.contains("n_positions") ? json_int(config, "n_positions", where)
                                                           : json_int(config, "n_ctx", where);
        shape.vocab_size = json_int_or(config, "vocab_size", 50257, where);
        if (shape.n_embd % shape.n_head != 0)
            throw UserError(where + ": n_head " + std::to_string(shape.n_head) + " does not divide n_embd " +
                            std::to_string(shape.n_embd) + "; GPT-2 splits n_embd evenly across the heads");
        m = model_spec(shape, where, m.source, json_int_or(config, "n_inner", 0, where));
    } else if (config.contains("num_hidden_layers") || config.contains("hidden_size")) {
        // Llama / Mistral keys (LlamaConfig, MistralConfig): kv heads default to the head count,
        // head_dim to hidden/heads, tie_word_embeddings to false, sliding_window null = none.
        m.architecture = Architecture::Llama;
        m.n_layer = json_int(config, "num_hidden_layers", where);
        m.n_head = json_int(config, "num_attention_heads", where);
        m.n_kv_heads = json_int_or(config, "num_key_value_heads", m.n_head, where);
        m.d_model = json_int(config, "hidden_size", where);
        if (!config.contains("head_dim") && m.d_model % m.n_head != 0)
            throw UserError(where + ": num_attention_heads " + std::to_string(m.n_head) +
                            " does not divide hidden_size " + std::to_string(m.d_model) + " and there is no head_dim");
        m.head_dim = json_int_or(config, "head_dim", m.d_model / m.n_head, where);
        m.intermediate_size = json_int(config, "intermediate_size", where);
        m.vocab_size = json_int(config, "vocab_size", where);
        m.max_context = json_int(config, "max_position_embeddings", where);
        m.sliding_window = json_int_or(config, "sliding_window", 0, where);
        if (config.contains("tie_word_embeddings")) {
            if (!config.at("tie_word_embeddings").is_boolean())
                throw UserError(where + ": \"tie_word_embeddings\" must be true or false");
            m.tied_embeddings = config.at("tie_word_embeddings").get<bool>();
        } else {
            m.tied_embeddings = false;
        }
    } else {
        throw UserError(where + ": found neither GPT-2 keys (n_layer, n_head, n_embd) nor Llama/Mistral keys "
                                "(num_hidden_layers, num_attention_heads, hidden_size)");
    }
    validate_model(m, where);
    return m;
}

ModelSpec load_model_config(const std::string& path) {
    // A config.json is a few hundred bytes; anything over 1 MiB is refused unread.
    const std::string text = read_file_bytes(path, 1 << 20, "give the path of a Hugging Face config.json", "--config");
    return parse_model_config(text, path);
}

// --- Step 3: weights beside the cache -----------------------------------------------------

// [listing:ch06_parameter_count]
std::uint64_t parameter_count(const ModelSpec& m) {
    const std::string what = "the parameter count of " + m.name;
    auto mul = [&](std::uint64_t a, std::uint64_t b) { return checked_mul(a, b, what); };
    const std::uint64_t d = m.d_model, ff = m.intermediate_size, vocab = m.vocab_size;
    const std::uint64_t q_width = static_cast<std::uint64_t>(m.n_head) * m.head_dim;      // all query heads
    const std::uint64_t kv_width = static_cast<std::uint64_t>(m.n_kv_heads) * m.head_dim;  // K (or V) heads
    // Attention: Q, K, V projections d → q_width + 2·kv_width, output projection q_width → d.
    const std::uint64_t attention = mul(d, q_width + 2 * kv_width) + mul(q_width, d);
    std::uint64_t per_layer = 0, outside = 0;
    if (m.architecture == Architecture::Gpt2) {
        // + biases; MLP c_fc d → ff and c_proj ff → d with biases; ln_1, ln_2 (weight + bias).
        per_layer = attention + (q_width + 2 * kv_width) + d + mul(2 * d, ff) + ff + d + 4 * d;
        // wte (also the output head, tied) + wpe (learned positions) + ln_f.
        outside = mul(vocab, d) + mul(m.max_context, d) + 2 * d;
    } else {
        // No biases; SwiGLU MLP: gate and up d → ff, down ff → d; two RMSNorm weights.
        per_layer = attention + mul(3 * d, ff) + 2 * d;
        // Embedding, untied output head, final RMSNorm. Rotary positions have no weights.
        outside = mul(vocab, d) * (m.tied_embeddings ? 1 : 2) + d;
    }
    return checked_add(mul(per_layer, m.n_layer), outside, what);
}
// [/listing]

std::uint64_t weights_bytes(const ModelSpec& model, DType dtype) {
    const unsigned __int128 bits = static_cast<unsigned __int128>(parameter_count(model)) * dtype_bits(dtype);
    const unsigned __int128 bytes = (bits + 7) / 8;  // int4 with an odd count: round up to a byte
    if (bytes > std::numeric_limits<std::uint64_t>::max())
        throw UserError("the weights of " + model.name + " would need more than 2^64 bytes; check the sizes");
    return static_cast<std::uint64_t>(bytes);
}

std::uint64_t context_where_cache_outgrows_weights(const ModelSpec& model, std::uint64_t batch, DType dtype) {
    const std::uint64_t weights = weights_bytes(model, dtype);
    const std::uint64_t per_token = checked_mul(kv_bytes_per_token(model, dtype), batch, "the cache of one token");
    const std::uint64_t tokens = weights / per_token + 1;  // first T with T·per_token > weights
    if (model.sliding_window > 0 && tokens > static_cast<std::uint64_t>(model.sliding_window)) return 0;
    return tokens;
}

MemoryFit fit_in_memory(const ModelSpec& model, DType dtype, std::uint64_t budget_bytes, std::uint64_t context,
                        std::uint64_t batch) {
    MemoryFit fit;
    fit.budget_bytes = budget_bytes;
    fit.weights_bytes = weights_bytes(model, dtype);
    fit.weights_fit = fit.weights_bytes <= budget_bytes;
    if (!fit.weights_fit) return fit;
    fit.free_bytes = budget_bytes - fit.weights_bytes;
    const std::uint64_t per_token = kv_bytes_per_token(model, dtype);
    const std::uint64_t per_step = checked_mul(per_token, batch, "the cache of one token");
    fit.max_context = fit.free_bytes / per_step;
    if (model.sliding_window > 0 && fit.max_context >= static_cast<std::uint64_t>(model.sliding_window))
        fit.unlimited_context = true;  // the rolling buffer never grows past the window
    const std::uint64_t per_sequence = kv_cache_bytes(model, cached_tokens(model, context), 1, dtype);
    fit.max_batch = fit.free_bytes / per_sequence;
    return fit;
}

// --- Step 5: paged vs contiguous ----------------------------------------------------------

// [listing:ch06_compare_paged]
PagedComparison compare_paged(const std::vector<std::uint64_t>& lengths, std::uint64_t reserved_tokens,
                              std::uint64_t block_tokens, std::uint64_t bytes_per_token) {
    if (lengths.empty()) throw UserError("--requests: give at least one request length, e.g. 100,900,2000");
    if (block_tokens == 0) throw UserError("--block-size: a block must hold at least one token");
    if (reserved_tokens == 0) throw UserError("the reserved context must be at least one token");
    const std::string what = "the paged-vs-contiguous comparison";
    PagedComparison c;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        const std::uint64_t len = lengths[i];
        if (len == 0) throw UserError("--requests: request " + std::to_string(i + 1) + " has 0 tokens; lengths start at 1");
        if (len > reserved_tokens)
            throw UserError("--requests: request " + std::to_string(i + 1) + " has " + std::to_string(len) +
                            " tokens, more than the " + std::to_string(reserved_tokens) +
                            "-token slot a contiguous server reserves; raise --context or shorten it");
        const std::uint64_t blocks = (len + block_tokens - 1) / block_tokens;  // the last block may be partial
        c.used_tokens = checked_add(c.used_tokens, len, what);
        c.contiguous_tokens = checked_add(c.contiguous_tokens, reserved_tokens, what);
        c.paged_tokens = checked_add(c.paged_tokens, checked_mul(blocks, block_tokens, what), what);
    }
    c.used_bytes = checked_mul(c.used_tokens, bytes_per_token, what);
    c.contiguous_bytes = checked_mul(c.contiguous_tokens, bytes_per_token, what);
    c.paged_bytes = checked_mul(c.paged_tokens, bytes_per_token, what);
    return c;
}
// [/listing]

// --- sizes for people ---------------------------------------------------------------------

}  // namespace gpt2
