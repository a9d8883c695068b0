// memory_estimator.hpp — how many bytes a KV cache needs, for any model, before allocating any.
//
//   bytes = 2 (K and V) × n_layer × n_kv_heads × head_dim × tokens × batch × bytes_per_value
//
// Everything is an exact 64-bit integer: values are counted in bits so int4's half byte stays
// exact, and every product is checked — a request too large for 64 bits is a UserError, never
// a silently wrapped number. Chapter 06 (chapters/06_memory_estimator/README.md) builds on it.
#pragma once

#include "03_forward_pass/gpt2_config.hpp"  // Gpt2Config: GPT-2's shape (chapter 03)
#include "common/report.hpp"                // human_bytes, with_commas

#include <cstdint>
#include <string>
#include <vector>

namespace gpt2 {

// --- the number format of each cached value (and of the weights, for the comparison) -----
enum class DType { fp32, fp16, bf16, fp8, int8, int4 };

int dtype_bits(DType dtype);                 // 32, 16, 16, 8, 8, 4
std::string dtype_name(DType dtype);         // "fp32", …
// "fp16" → DType::fp16; anything else is a UserError naming `where` and the valid names.
DType parse_dtype(const std::string& text, const std::string& where);
std::string dtype_names();                   // "fp32|fp16|bf16|fp8|int8|int4"

// --- a model's shape: what the cache formula and the parameter count need ----------------
// Gpt2: learned positions, biases, LayerNorm, 4×-wide GELU MLP, output head tied to wte.
// Llama: rotary positions (no table), no biases, RMSNorm, SwiGLU MLP (3 matrices),
//        grouped-query attention, output head usually separate (untied).
enum class Architecture { Gpt2, Llama };

struct ModelSpec {
    std::string name;            // preset name, "custom" or the config.json path
    Architecture architecture = Architecture::Gpt2;
    int n_layer = 0;             // transformer blocks
    int n_head = 0;              // query heads
    int n_kv_heads = 0;          // key/value heads: = n_head (MHA), fewer (GQA), 1 (MQA)
    int head_dim = 0;            // width of one head
    int d_model = 0;             // residual stream width (n_embd, hidden_size)
    int intermediate_size = 0;   // MLP hidden width (4·d_model for GPT-2)
    int vocab_size = 0;
    int max_context = 0;         // n_positions / max_position_embeddings
    int sliding_window = 0;      // 0: attends to everything; else the cache keeps this many tokens
    bool tied_embeddings = true; // output projection shares the token-embedding matrix
    std::string source;          // where these numbers come from
};

// Throws UserError naming `where` for a shape no model can have: non-positive sizes,
// kv heads not dividing heads, heads not dividing d_model (GPT-2 family).
void validate_model(const ModelSpec& model, const std::string& where);

// A GPT-2 shape is chapter 03's Gpt2Config; these two functions are the only way between it
// and the estimator's view. model_spec: every head keeps its own K and V, the MLP is 4×
// n_embd wide (unless `intermediate_size` says otherwise), the output head is tied to wte.
ModelSpec model_spec(const Gpt2Config& config, const std::string& name, const std::string& source,
                     int intermediate_size = 0);
// The Gpt2Config of a GPT-2-family ModelSpec (what chapter 05's KVCache is sized from); for
// anything else (grouped KV heads, a sliding window, Llama) a UserError "<purpose> cannot hold …".
Gpt2Config gpt2_config(const ModelSpec& model, const std::string& purpose);

// --- Step 1: the formula ------------------------------------------------------------------
// Bytes of K and V for `tokens` cached positions of `batch` sequences. Exact; throws
// UserError when the answer does not fit in 64 bits.
std::uint64_t kv_cache_bytes(const ModelSpec& model, std::uint64_t tokens, std::uint64_t batch,
                             DType dtype);
// One token of one sequence: kv_cache_bytes(model, 1, 1, dtype).
std::uint64_t kv_bytes_per_token(const ModelSpec& model, DType dtype);
// Positions the cache really keeps for a context: min(context, sliding_window) when the model
// has a window (a rolling buffer), else the context itself.
std::uint64_t cached_tokens(const ModelSpec& model, std::uint64_t context);
// a × b, or a UserError saying `what` would not fit in 64 bits.
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what);
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const std::string& what);

// --- Step 2: presets, custom models, config.json -----------------------------------------
const std::vector<ModelSpec>& model_presets();
// The preset with this name, or a UserError listing the valid names.
const ModelSpec& find_preset(const std::string& name);
std::string preset_names();  // "gpt2, gpt2-medium, …"
// A Hugging Face config.json: GPT-2 keys (n_layer, n_head, n_embd, n_positions) or
// Llama/Mistral keys (num_hidden_layers, num_attention_heads, num_key_value_heads,
// hidden_size, head_dim, intermediate_size, vocab_size, max_position_embeddings,
// sliding_window, tie_word_embeddings). Validated; UserError naming the file and key.
ModelSpec load_model_config(const std::string& path);
// Parses the text of a config.json (`where` names it in errors).
ModelSpec parse_model_config(const std::string& text, const std::string& where);

// --- Step 3: weights beside the cache -----------------------------------------------------
std::uint64_t parameter_count(const ModelSpec& model);
std::uint64_t weights_bytes(const ModelSpec& model, DType dtype);  // rounded up to a byte
// Smallest context whose cache (at `batch`) is larger than the weights; 0 when it never is
// (a sliding window can cap the cache below the weights for ever).
std::uint64_t context_where_cache_outgrows_weights(const ModelSpec& model, std::uint64_t batch,
                                                   DType dtype);

struct MemoryFit {
    std::uint64_t budget_bytes = 0;
    std::uint64_t weights_bytes = 0;
    bool weights_fit = false;
    std::uint64_t free_bytes = 0;       // budget − weights (0 when the weights do not fit)
    // Longest context for `batch` sequences whose cache fits in free_bytes (not capped by the
    // model's window; the caller says when it exceeds it). With a sliding window whose full
    // cache fits, every context fits: unlimited_context is true.
    std::uint64_t max_context = 0;
    bool unlimited_context = false;
    std::uint64_t max_batch = 0;        // largest batch at `context` whose cache fits
};
MemoryFit fit_in_memory(const ModelSpec& model, DType dtype, std::uint64_t budget_bytes,
                        std::uint64_t context, std::uint64_t batch);

// --- Step 5: paged vs contiguous ----------------------------------------------------------
struct PagedComparison {
    std::uint64_t used_tokens = 0;             // Σ cached tokens of the requests
    std::uint64_t contiguous_tokens = 0;       // requests × reserved slot
    std::uint64_t paged_tokens = 0;            // Σ ceil(len / block) × block
    std::uint64_t used_bytes = 0, contiguous_bytes = 0, paged_bytes = 0;
    std::uint64_t contiguous_waste_bytes() const { return contiguous_bytes - used_bytes; }
    std::uint64_t paged_waste_bytes() const { return paged_bytes - used_bytes; }
};
// Each request of length lengths[i] (tokens it caches) gets either a contiguous slot of
// `reserved_tokens` (what a server must reserve when it cannot know the final length) or
// ceil(len / block_tokens) blocks of block_tokens. UserError if a request is longer than the
// reservation or a size is zero.
PagedComparison compare_paged(const std::vector<std::uint64_t>& lengths, std::uint64_t reserved_tokens,
                              std::uint64_t block_tokens, std::uint64_t bytes_per_token);


}  // namespace gpt2
