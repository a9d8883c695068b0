// gpt2_config.hpp — the handful of numbers that fix a GPT-2 model's shapes.
#pragma once

#include <cstdint>
#include <string>

namespace gpt2 {

struct Gpt2Config {
    int n_layer = 12;         // transformer blocks
    int n_head = 12;          // attention heads per block
    int n_embd = 768;         // width of the residual stream
    int n_positions = 1024;   // context window: learned positions, so a hard limit
    int vocab_size = 50257;   // tokens, <|endoftext|> = 50256 last
    float layer_norm_epsilon = 1e-5f;
    // GPT-2 ties the output projection to wte; false (config.json's tie_word_embeddings)
    // means the checkpoint must carry its own lm_head.weight.
    bool tie_word_embeddings = true;

    int head_dim() const { return n_embd / n_head; }
    // Weights counted once (the output projection is tied to wte): 124,439,808 for GPT-2 small.
    std::int64_t parameter_count() const;
    // Throws UserError naming `where` (e.g. the config.json path) for anything unusable:
    // non-positive sizes, n_embd not divisible by n_head, sizes so large they would need
    // absurd memory (refused before anything is allocated).
    void validate(const std::string& where) const;
};

// GPT-2 small (124M): the shapes the built-in random model uses.
Gpt2Config gpt2_small_config();
// Reads a Hugging Face config.json (n_layer, n_head, n_embd, n_positions or n_ctx,
// vocab_size, layer_norm_epsilon) and validates it.
Gpt2Config load_config_json(const std::string& path);

}  // namespace gpt2
