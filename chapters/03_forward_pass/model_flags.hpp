// model_flags.hpp — the flags every model-running chapter (02–05) shares, spelled the same
// everywhere, and the two things they lead to: the prompt as token ids, and the model.
//
//     gpt2::ModelFlags flags;                         // defaults: default_model_arg(), ...
//     flags.prompt = "The cat sat on the";            // the chapter's sample prompt
//     gpt2::CliParser cli("chapter03", "...");
//     gpt2::add_model_flags(cli, flags);
//     if (!cli.parse(argc, argv)) return 0;
//     gpt2::apply_model_flags(cli, flags);            // --threads, --prompt vs --prompt-ids
//     gpt2::Gpt2Weights weights = gpt2::load_model(flags);   // prints the random-model notice
//     std::vector<int> ids = gpt2::resolve_prompt(flags, weights.config);
#pragma once

#include "common/cli.hpp"
#include "03_forward_pass/gpt2_config.hpp"
#include "03_forward_pass/gpt2_weights.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gpt2 {

class Tokenizer;

struct ModelFlags {
    std::string model;        // -m/--model PATH|mini|random  (default: default_model_arg())
    std::string prompt;       // -p/--prompt TEXT        (the chapter sets its sample prompt)
    std::string prompt_ids;   // --prompt-ids "15496 995" (ids instead of text)
    int threads = 0;          // -t/--threads N          (0: OpenBLAS's own default)
    bool json = false;        // --json
    std::string vocab_dir;    // --vocab-dir DIR         (default: default_vocab_dir())

    // Filled by apply_model_flags(): which prompt flag the user gave.
    bool prompt_given = false;
    bool prompt_ids_given = false;

    ModelFlags();
};

// Declares -m/--model, -p/--prompt, --prompt-ids, -t/--threads, --json, --vocab-dir on `cli`.
void add_model_flags(CliParser& cli, ModelFlags& flags);
// After cli.parse(): records which prompt flag was given (both → UserError), applies
// --threads to OpenBLAS.
void apply_model_flags(const CliParser& cli, ModelFlags& flags);

// Strictly parses "15496 995" (spaces, tabs or commas between ids). Every id must be a whole
// number in [0, vocab_size); the list must be non-empty and at most max_tokens long.
// Errors are UserErrors naming `flag`.
std::vector<int> parse_prompt_ids(const std::string& text, int vocab_size, int max_tokens,
                                  const std::string& flag = "--prompt-ids");
// Checks ids a tokenizer produced against a model: non-empty, < vocab_size, ≤ max_tokens.
void check_prompt_ids(const std::vector<int>& ids, int vocab_size, int max_tokens, const std::string& flag);

// The prompt as ids: --prompt-ids parsed strictly, else --prompt tokenized (the tokenizer is
// loaded from --vocab-dir only then). At most config.n_positions tokens (the window).
std::vector<int> resolve_prompt(const ModelFlags& flags, const Gpt2Config& config);
// The same with a tokenizer the program already holds.
std::vector<int> resolve_prompt(const ModelFlags& flags, const Gpt2Config& config, const Tokenizer& tokenizer);

// load_gpt2(flags.model); when the model is the built-in random one, prints
// random_model_notice() on stderr (stdout stays clean for --json).
Gpt2Weights load_model(const ModelFlags& flags);
// The notice alone, for a program that loads its weights another way (chapter 09).
void print_model_notice(const std::string& source, bool is_random);

// The tokenizer from --vocab-dir. When it cannot be loaded but the prompt came as
// --prompt-ids, the chapters still run (printing ids) after a one-line warning on stderr;
// with a text prompt the error is the user's to fix (`make setup`) — unless the caller can do
// without one (text_prompt_needed = false: chapter 05's --bench falls back to fixed ids).
std::optional<Tokenizer> load_tokenizer_if_possible(const ModelFlags& flags, bool text_prompt_needed = true);
// The prompt as ids (resolve_prompt with the tokenizer we hold, if any).
std::vector<int> prompt_ids(const ModelFlags& flags, const Gpt2Config& config, const std::optional<Tokenizer>& tokenizer);

}  // namespace gpt2
